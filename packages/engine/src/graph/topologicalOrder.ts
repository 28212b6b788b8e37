/**
 * `ids` ordered so each comes after the ids it depends on (Kahn's algorithm, without
 * recursion, so a chain of 20,000 dependencies cannot exhaust the stack). Among ids that are
 * ready at the same time, the order of `ids` is kept. Dependencies outside `ids` are ignored;
 * ids in a cycle are left out (the caller reports the cycle).
 */
export function topologicalOrder(ids: readonly string[], dependenciesOf: (id: string) => readonly string[]): string[] {
  const included = new Set(ids);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) {
    const dependencies = new Set(dependenciesOf(id).filter((dependency) => included.has(dependency)));
    waiting.set(id, dependencies.size);
    for (const dependency of dependencies) {
      const list = dependents.get(dependency);
      if (list) list.push(id);
      else dependents.set(dependency, [id]);
    }
  }
  const order = ids.filter((id) => waiting.get(id) === 0);
  for (let next = 0; next < order.length; next++) {
    for (const dependent of dependents.get(order[next]!) ?? []) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) order.push(dependent);
    }
  }
  return order;
}
