import { planRun, type PlannedTask, type TaskGraph } from '@orch/engine';

/** How a task last ended in this watch, with the hash it ran with. */
export interface WatchRecord {
  hash: string;
  status: 'succeeded' | 'failed';
}

/** What a watch cycle runs, and what waits. */
export interface WatchPlan {
  /** The tasks to run, in dependency order. */
  tasks: PlannedTask[];
  /** Task held back (persistent ones too) → the failed task it waits for (a dependency, or one further down). */
  held: Map<string, string>;
}

/**
 * The tasks a watch cycle runs, in dependency order: each task (persistent ones aside: they are
 * kept by `PersistentTasks`) whose
 * hash is not the one it last ended with (its inputs changed, or it never ended: first cycle,
 * cancelled, not started), and everything that depends on one of them. A task is held back
 * (with what depends on it) while a dependency outside the cycle last failed with the hash it
 * still has: it runs once that dependency is fixed. A dependency outside the cycle has not
 * changed, so it is `outside` the plan (not run again).
 */
export function watchPlan(
  survey: { graph: TaskGraph; roots: ReadonlyMap<string, string>; tasks: readonly string[]; hashes: ReadonlyMap<string, string> },
  records: ReadonlyMap<string, WatchRecord>,
  persistent: (id: string) => boolean,
): WatchPlan {
  const { graph, hashes } = survey;
  const runs = new Set<string>();
  const held = new Map<string, string>();
  // `tasks` is in dependency order: a task's dependencies are decided before it.
  for (const id of survey.tasks) {
    const dependencies = (graph.nodes.get(id)?.dependencies ?? []).map((edge) => edge.to);
    const waitsFor = dependencies.map((to) => held.get(to) ?? (!runs.has(to) && records.get(to)?.status !== 'succeeded' ? to : undefined)).find((to) => to !== undefined);
    if (waitsFor !== undefined) held.set(id, waitsFor);
    if (waitsFor !== undefined || persistent(id)) continue;
    if (records.get(id)?.hash !== hashes.get(id) || dependencies.some((to) => runs.has(to))) runs.add(id);
  }
  return { tasks: planOf(survey, runs), held };
}

/**
 * The planned tasks among `runs`, in dependency order with why each runs (`planRun`); a
 * dependency not among them is `outside` (it ran before and has not changed).
 */
export function planOf(survey: { graph: TaskGraph; roots: ReadonlyMap<string, string> }, runs: ReadonlySet<string>): PlannedTask[] {
  return planRun(survey.graph, survey.roots)
    .filter((task) => runs.has(task.id))
    .map((task) => {
      const all = [...task.dependencies, ...task.outside];
      return { ...task, dependencies: all.filter((to) => runs.has(to)), outside: all.filter((to) => !runs.has(to)) };
    });
}
