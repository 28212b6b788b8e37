import { describe, expect, it } from 'vitest';
import type { CommandDefinition, DependencyRef, Project } from '../commands/CommandDefinition.js';
import { buildTaskGraph, dependencyClosure } from '../graph/buildTaskGraph.js';
import { findCycles } from '../graph/findCycles.js';

function command(id: string, deps: string[] = [], extra: Partial<CommandDefinition> = {}): CommandDefinition {
  const dependencies: DependencyRef[] = deps.map((spec, index) => ({ spec, location: { file: `/repo/${id}.md`, line: index + 3, column: 5 } }));
  return { id, kind: 'markdown', source: 'test', location: { file: `/repo/${id}.md`, line: 1 }, dependencies, metadata: { agents: [], extra: {} }, steps: [], ...extra };
}

function registry(commands: CommandDefinition[], projects: Project[] = []) {
  return { commands: new Map(commands.map((c) => [c.id, c])), projects: new Map(projects.map((p) => [p.name, p])) };
}

describe('buildTaskGraph', () => {
  it('orders a diamond with every task once, dependencies first', () => {
    const { graph, diagnostics } = buildTaskGraph(registry([command('top', ['left', 'right']), command('left', ['base']), command('right', ['base']), command('base')]));
    expect(diagnostics).toEqual([]);
    expect(graph.order).toHaveLength(4);
    expect(new Set(graph.order).size).toBe(4);
    const at = (id: string) => graph.order.indexOf(id);
    expect(at('base')).toBeLessThan(at('left'));
    expect(at('base')).toBeLessThan(at('right'));
    expect(at('left')).toBeLessThan(at('top'));
    expect([...dependencyClosure(graph, ['left'])].sort()).toEqual(['base', 'left']);
  });

  it('reports each cycle with its full path and where each edge is declared', () => {
    const { graph, diagnostics } = buildTaskGraph(registry([command('a', ['b']), command('b', ['c']), command('c', ['a']), command('x', ['y']), command('y', ['x']), command('ok')]));
    expect(graph.order).toEqual(['ok']);
    const cycles = diagnostics.filter((d) => d.code === 'graph/cycle');
    expect(cycles.map((d) => d.message)).toEqual(['dependency cycle: a -> b -> c -> a', 'dependency cycle: x -> y -> x']);
    expect(cycles[0]!.related!.map((r) => `${r.message} @ ${r.location.file}:${r.location.line}`)).toEqual([
      "a -> b (as 'b') @ /repo/a.md:3",
      "b -> c (as 'c') @ /repo/b.md:3",
      "c -> a (as 'a') @ /repo/c.md:3",
    ]);
  });

  it('orders a chain of 20,000 dependencies without running out of stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => command(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
    const { graph, diagnostics } = buildTaskGraph(registry(chain));
    expect(diagnostics).toEqual([]);
    expect(graph.order[0]).toBe('c0');
    expect(graph.order.at(-1)).toBe('c19999');
    expect(dependencyClosure(graph, ['c19999']).size).toBe(20_000);
  });

  it('keeps the order of everything a cycle does not reach, and owns each problem by its command', () => {
    const { graph, diagnostics } = buildTaskGraph(
      registry([command('a', ['b']), command('b', ['a']), command('needs-a', ['a']), command('base'), command('top', ['base']), command('lost', ['nope'])]),
    );
    expect(graph.order).toEqual(['base', 'lost', 'top']);
    expect(diagnostics.map((d) => [d.code, d.owner])).toEqual([
      ['graph/unknown-dependency', { kind: 'command', id: 'lost' }],
      ['graph/cycle', { kind: 'command', id: 'a' }],
    ]);
  });

  it('reports a command that depends on itself', () => {
    const { diagnostics } = buildTaskGraph(registry([command('self', ['self'])]));
    expect(diagnostics.map((d) => d.message)).toEqual(['dependency cycle: self -> self']);
  });

  it('reports every unknown dependency in one pass, with suggestions and locations', () => {
    const { diagnostics } = buildTaskGraph(registry([command('quality/verify'), command('a', ['quality/verfy', 'nothing-like-it']), command('b', ['quality:verify'])]));
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatchObject({ code: 'graph/unknown-dependency', location: { file: '/repo/a.md', line: 3 }, hint: "did you mean 'quality/verify'?" });
    expect(diagnostics[1]!.message).toBe("a: dependency on an unknown command 'nothing-like-it'");
  });

  it('expands ^target to the target of each workspace dependency, and a bare name to the same package', () => {
    const projects: Project[] = [
      { name: 'app', root: 'app', packageJson: '/repo/app/package.json', scripts: {}, dependencies: ['lib', 'util'], tags: [] },
      { name: 'lib', root: 'lib', packageJson: '/repo/lib/package.json', scripts: {}, dependencies: [], tags: [] },
      { name: 'util', root: 'util', packageJson: '/repo/util/package.json', scripts: {}, dependencies: [], tags: [] },
    ];
    const script = (project: string, target: string, deps: string[] = []) => command(`${project}#${target}`, deps, { kind: 'script', project, target });
    const { graph, diagnostics } = buildTaskGraph(
      registry([script('app', 'build', ['^build', 'codegen']), script('app', 'codegen'), script('lib', 'build', ['^build']), script('util', 'test')], projects),
    );
    expect(diagnostics).toEqual([]);
    // util has no build script (and no dependencies): nothing to build there, but it is passed through.
    expect(graph.nodes.get('app#build')!.dependencies.map((e) => e.to)).toEqual(['lib#build', 'app#codegen']);
    expect(graph.nodes.get('app#build')!.transit).toEqual(['util']);
    expect(graph.nodes.get('lib#build')!.transit).toBeUndefined();
  });

  it('passes ^target through packages without the target to their dependencies, transitively, as Turborepo does', () => {
    const project = (name: string, dependencies: string[] = []): Project => ({ name, root: `p/${name}`, packageJson: `/repo/p/${name}/package.json`, scripts: {}, dependencies, tags: [] });
    const build = (name: string) => command(`${name}#build`, ['^build'], { kind: 'script', project: name, target: 'build' });
    // app -> mid -> types -> lib; app -> ui -> lib; types -> app (a cycle back through packages without build)
    const projects = [project('app', ['mid', 'ui']), project('mid', ['types']), project('types', ['lib', 'app']), project('ui', ['lib']), project('lib')];
    const { graph, diagnostics } = buildTaskGraph(registry([build('app'), build('ui'), build('lib')], projects));
    expect(diagnostics).toEqual([]);
    expect(graph.nodes.get('app#build')!.dependencies.map((e) => e.to)).toEqual(['ui#build', 'lib#build']);
    expect(graph.nodes.get('app#build')!.transit).toEqual(['mid', 'types']);
    expect(graph.order.indexOf('lib#build')).toBeLessThan(graph.order.indexOf('app#build'));
  });

  it('refuses ^target on a markdown command', () => {
    const { diagnostics } = buildTaskGraph(registry([command('docs', ['^build'])]));
    expect(diagnostics[0]!.message).toContain("'^build' means \"build of each workspace dependency\"");
  });

  it('orders a 5,000-task chain without overflowing the stack', () => {
    const commands = Array.from({ length: 5000 }, (_, i) => command(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    const { graph, diagnostics } = buildTaskGraph(registry(commands));
    expect(diagnostics).toEqual([]);
    expect(graph.order[0]).toBe('t0');
    expect(graph.order.at(-1)).toBe('t4999');
  });
});

describe('findCycles', () => {
  it('finds nothing in a DAG and one cycle per strongly connected component', () => {
    const edges: Record<string, string[]> = { a: ['b'], b: ['c'], c: [], d: ['e'], e: ['f'], f: ['d', 'a'] };
    expect(findCycles(['a', 'b', 'c'], (n) => edges[n]!)).toEqual([]);
    expect(findCycles(Object.keys(edges), (n) => edges[n]!)).toEqual([['d', 'e', 'f', 'd']]);
  });
});
