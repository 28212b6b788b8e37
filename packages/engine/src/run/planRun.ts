import type { PlannedTask, PlanReason } from '../events.js';
import type { TaskGraph } from '../graph/TaskGraph.js';

/**
 * The tasks a run executes, in dependency order, each with why it is there: named by the user,
 * or needed by another task (and through which dependency spec). With `only`, just the named
 * tasks.
 */
export function planRun(graph: TaskGraph, roots: ReadonlyMap<string, string>, options: { only?: boolean } = {}): PlannedTask[] {
  const reasons = new Map<string, PlanReason[]>();
  for (const [id, as] of roots) reasons.set(id, [{ kind: 'requested', as }]);
  if (!options.only) {
    const stack = [...roots.keys()];
    const seen = new Set(stack);
    while (stack.length > 0) {
      const id = stack.pop()!;
      for (const edge of graph.nodes.get(id)?.dependencies ?? []) {
        if (!reasons.has(edge.to)) reasons.set(edge.to, []);
        reasons.get(edge.to)!.push({ kind: 'dependency', of: id, spec: edge.spec });
        if (!seen.has(edge.to)) {
          seen.add(edge.to);
          stack.push(edge.to);
        }
      }
    }
  }
  return graph.order
    .filter((id) => reasons.has(id))
    .map((id) => {
      const all = (graph.nodes.get(id)?.dependencies ?? []).map((edge) => edge.to);
      return { id, reasons: reasons.get(id)!, dependencies: all.filter((to) => reasons.has(to)), outside: all.filter((to) => !reasons.has(to)) };
    });
}
