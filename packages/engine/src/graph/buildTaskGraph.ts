import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { didYouMean } from '../diagnostics/closestMatches.js';
import { listNames } from '../diagnostics/listNames.js';
import type { CommandDefinition, DependencyRef } from '../commands/CommandDefinition.js';
import type { CommandRegistry } from '../commands/CommandRegistry.js';
import { describeUnresolved, resolveCommand, type ResolveOptions } from '../commands/resolveCommand.js';
import { findCycles } from './findCycles.js';
import { topologicalOrder } from './topologicalOrder.js';
import type { TaskEdge, TaskGraph, TaskNode } from './TaskGraph.js';

export interface BuildTaskGraphResult {
  graph: TaskGraph;
  diagnostics: Diagnostic[];
}

/**
 * Builds the task graph of every known command, reporting all problems in one pass: each
 * unknown dependency with suggestions, and each cycle with every edge and where it is declared.
 */
export function buildTaskGraph(registry: Pick<CommandRegistry, 'commands' | 'projects'>, options: ResolveOptions = {}): BuildTaskGraphResult {
  const diagnostics: Diagnostic[] = [];
  const nodes = new Map<string, TaskNode>();
  let scripts: Set<string> | undefined;
  // Every package script name (`build`, `test`): asked only when a `^target` finds no task.
  const scriptTargets = () => (scripts ??= new Set([...registry.commands.values()].flatMap((c) => (c.kind === 'script' && c.target ? [c.target] : []))));
  for (const command of registry.commands.values()) {
    const edges: TaskEdge[] = [];
    const transit = new Set<string>();
    const seen = new Set<string>();
    const add = (to: string, dependency: DependencyRef): void => {
      if (seen.has(to)) return;
      seen.add(to);
      edges.push({ to, spec: dependency.spec, ...(dependency.location ? { location: dependency.location } : {}) });
    };
    for (const dependency of command.dependencies) {
      const targets = resolveDependency(registry, command, dependency, options, diagnostics, transit, scriptTargets);
      for (const to of targets) add(to, dependency);
    }
    nodes.set(command.id, { id: command.id, command, dependencies: edges, ...(transit.size > 0 ? { transit: [...transit] } : {}) });
  }

  const ids = [...nodes.keys()].sort();
  const cycles = findCycles(ids, (id) => nodes.get(id)!.dependencies.map((edge) => edge.to));
  for (const cycle of cycles) diagnostics.push(cycleDiagnostic(cycle, nodes));
  diagnostics.push(...persistentDependencies(nodes));

  // A cycle stops only the tasks in it and those that need them; the rest keep their order.
  const stuck = dependentsOf(cycles.flat(), nodes);
  const orderable = ids.filter((id) => !stuck.has(id));
  const order = topologicalOrder(orderable, (id) => nodes.get(id)!.dependencies.map((edge) => edge.to));
  return { graph: { nodes, order }, diagnostics };
}

/** `seeds` and every task that depends on one of them, directly or not. */
function dependentsOf(seeds: readonly string[], nodes: ReadonlyMap<string, TaskNode>): Set<string> {
  const found = new Set<string>();
  if (seeds.length === 0) return found;
  const dependents = new Map<string, string[]>();
  for (const node of nodes.values()) {
    for (const edge of node.dependencies) {
      const list = dependents.get(edge.to);
      if (list) list.push(node.id);
      else dependents.set(edge.to, [node.id]);
    }
  }
  const stack = [...seeds];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (found.has(id)) continue;
    found.add(id);
    stack.push(...(dependents.get(id) ?? []));
  }
  return found;
}

function resolveDependency(
  registry: Pick<CommandRegistry, 'commands' | 'projects'>,
  command: CommandDefinition,
  dependency: DependencyRef,
  options: ResolveOptions,
  diagnostics: Diagnostic[],
  transit: Set<string>,
  scriptTargets: () => ReadonlySet<string>,
): string[] {
  const { spec } = dependency;
  const problem = (message: string, hint?: string): string[] => {
    diagnostics.push({
      severity: 'error',
      code: 'graph/unknown-dependency',
      message: `${command.id}: ${message}`,
      ...(dependency.location ? { location: dependency.location } : { location: command.location }),
      ...(hint ? { hint } : {}),
      owner: { kind: 'command', id: command.id },
    });
    return [];
  };

  if (spec.startsWith('^')) {
    const target = spec.slice(1);
    if (command.kind !== 'script' || !command.project) {
      return problem(`'${spec}' means "${target} of each workspace dependency", which only a package target has`, `write '${target}' to depend on the command itself`);
    }
    const found = upstreamTargets(registry, command.project, target, transit);
    // No dependency having it is normal (a leaf package); no package at all having it is a typo.
    if (found.length === 0 && !scriptTargets().has(target)) {
      const scripts = scriptTargets();
      return problem(`dependency '${spec}' names no task: no package has a '${target}' script`, didYouMean(target, scripts) ?? `the scripts: ${listNames(scripts)}`);
    }
    return found;
  }

  if (command.kind === 'script' && command.project && !spec.includes('#')) {
    const sameProject = `${command.project}#${spec}`;
    if (registry.commands.has(sameProject)) return [sameProject];
  }

  const resolution = resolveCommand(registry, spec, options);
  switch (resolution.kind) {
    case 'command':
      return [resolution.id];
    case 'target':
      return resolution.ids.filter((id) => id !== command.id);
    case 'invalid':
    case 'not-found': {
      const { message, hint } = describeUnresolved(resolution);
      return problem(`dependency ${message.replace(/^unknown command/, 'on an unknown command')}`, hint);
    }
  }
}

/**
 * `^target` of a project: the target in each workspace dependency that has it; a dependency
 * without it is passed through to its own dependencies, transitively, as Turborepo does (so
 * app -> mid (no build) -> lib builds lib before app). Passed-through projects go to `transit`.
 */
function upstreamTargets(registry: Pick<CommandRegistry, 'commands' | 'projects'>, from: string, target: string, transit: Set<string>): string[] {
  const found: string[] = [];
  const seen = new Set([from]);
  const queue = [...(registry.projects.get(from)?.dependencies ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const id = `${next}#${target}`;
    if (registry.commands.has(id)) found.push(id);
    else {
      transit.add(next);
      queue.push(...(registry.projects.get(next)?.dependencies ?? []));
    }
  }
  return found;
}

/**
 * A dependency on a persistent task (a dev server) is an error at the dependency: the task
 * never finishes, so what waits for it would never start (Turborepo refuses it likewise).
 */
function persistentDependencies(nodes: ReadonlyMap<string, TaskNode>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const node of nodes.values()) {
    for (const edge of node.dependencies) {
      if (nodes.get(edge.to)?.command.metadata.persistent !== true) continue;
      diagnostics.push({
        severity: 'error',
        code: 'graph/persistent-dependency',
        message: `${node.id} depends on ${edge.to} (as '${edge.spec}'), a persistent task: it never finishes, so ${node.id} would never start`,
        location: edge.location ?? node.command.location,
        hint: `remove the dependency, or run both side by side (\`orch watch ${node.id} ${edge.to}\`)`,
        owner: { kind: 'command', id: node.id },
      });
    }
  }
  return diagnostics;
}

/** Edges of a cycle a diagnostic names and locates; a longer cycle says how many more it has. */
const CYCLE_EDGES_SHOWN = 10;

/**
 * A cycle as one error: its first `CYCLE_EDGES_SHOWN` edges, each where it is declared, and
 * "… and N more" for the rest, so a cycle through 20,000 commands is a screenful, not megabytes.
 */
function cycleDiagnostic(cycle: string[], nodes: ReadonlyMap<string, TaskNode>): Diagnostic {
  const edges = cycle.length - 1;
  const shown = Math.min(edges, CYCLE_EDGES_SHOWN);
  const related = [];
  for (let i = 0; i < shown; i++) {
    const from = nodes.get(cycle[i]!)!;
    const edge = from.dependencies.find((e) => e.to === cycle[i + 1]);
    const location = edge?.location ?? from.command.location;
    related.push({ message: `${cycle[i]} -> ${cycle[i + 1]} (as '${edge?.spec ?? cycle[i + 1]}')`, location });
  }
  const more = edges - shown;
  const path = more > 0 ? `${cycle.slice(0, shown + 1).join(' -> ')} -> … and ${more} more edge${more === 1 ? '' : 's'} back to ${cycle[0]}` : cycle.join(' -> ');
  const first = related[0]!;
  return {
    severity: 'error',
    code: 'graph/cycle',
    message: `dependency cycle: ${path}`,
    location: first.location,
    hint: 'remove one of these dependencies to break the cycle',
    related,
    owner: { kind: 'command', id: cycle[0]! },
  };
}

/** The tasks `roots` need, with the roots: the subgraph that running them executes. */
export function dependencyClosure(graph: TaskGraph, roots: readonly string[]): Set<string> {
  const closure = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (closure.has(id)) continue;
    closure.add(id);
    for (const edge of graph.nodes.get(id)?.dependencies ?? []) stack.push(edge.to);
  }
  return closure;
}
