/**
 * The critical path of a task graph: the chain of dependencies whose durations add up to the
 * most, which no amount of concurrency can shorten (the longest path of the DAG, weighted by
 * each task's duration in ms). `nodes` must be in dependency order (dependencies first), as a
 * plan and `TaskGraph.order` are; a dependency not among them is ignored. Returns the ids from
 * the first task of the chain to the last; empty for no nodes. Ties go to the earlier node.
 */
export function criticalPath(nodes: readonly { id: string; dependencies: readonly string[] }[], durationMs: (id: string) => number): string[] {
  const finish = new Map<string, number>();
  const via = new Map<string, string>();
  let end: string | undefined;
  for (const node of nodes) {
    let start = 0;
    let after: string | undefined;
    for (const dependency of node.dependencies) {
      const at = finish.get(dependency);
      if (at !== undefined && (after === undefined || at > start)) [start, after] = [at, dependency];
    }
    if (after !== undefined) via.set(node.id, after);
    const done = start + Math.max(0, durationMs(node.id));
    finish.set(node.id, done);
    if (end === undefined || done > finish.get(end)!) end = node.id;
  }
  const path: string[] = [];
  for (let at = end; at !== undefined; at = via.get(at)) path.push(at);
  return path.reverse();
}
