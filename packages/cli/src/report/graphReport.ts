import { criticalPath } from './criticalPath.js';
import type { RunReport } from './RunReport.js';

/**
 * A task graph that has not run, as a report (`orch graph --html`): its tasks in dependency
 * order with their edges, weighed by the durations past runs recorded (`.orch/durations.json`,
 * ms) for the critical path; a task that never ran weighs nothing. No timeline, no outcomes.
 */
export function graphReport(nodes: readonly { id: string; dependencies: readonly string[] }[], pastDurations: Readonly<Record<string, number>>, options: { title: string; orchVersion: string }): RunReport {
  const shown = new Set(nodes.map((node) => node.id));
  const tasks = nodes.map((node) => ({
    id: node.id,
    status: 'not-run' as const,
    dependencies: node.dependencies.filter((d) => shown.has(d)),
    ...(Object.hasOwn(pastDurations, node.id) ? { durationMs: pastDurations[node.id]! } : {}),
    gates: [],
    critical: false,
  }));
  const path = criticalPath(tasks, (id) => (Object.hasOwn(pastDurations, id) ? pastDurations[id]! : 0));
  const onPath = new Set(path);
  for (const task of tasks) task.critical = onPath.has(task.id);
  return { kind: 'graph', title: options.title, tasks, criticalPath: path, generatedAt: new Date().toISOString(), orchVersion: options.orchVersion };
}
