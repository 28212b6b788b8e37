import type { CommandRegistry, PlannedTask } from '@orch/engine';

/**
 * The tasks a distributed run keeps on the coordinator: those the cache cannot carry (`cache:
 * false`), and every task that depends on one, directly or not (a worker could not restore its
 * outputs).
 */
export function pinnedTasks(commands: CommandRegistry['commands'], plan: readonly PlannedTask[]): Set<string> {
  const pinned = new Set(plan.filter((task) => commands.get(task.id)?.metadata.cache === false).map((task) => task.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const task of plan) {
      if (!pinned.has(task.id) && task.dependencies.some((id) => pinned.has(id))) {
        pinned.add(task.id);
        grew = true;
      }
    }
  }
  return pinned;
}
