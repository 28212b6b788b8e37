import { describe, expect, it } from 'vitest';
import { exampleRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// The bundled example is what the README's quick start runs; these are its end-to-end tests.
describe('examples/monorepo', () => {
  const example = () => exampleRepo();

  it('validates with its workspace packages, markdown commands, agent and workflow', () => {
    const run = runOrch(['validate'], example());
    expect(run).toMatchObject({ code: 0, stdout: '✔ 14 commands, 1 agent, 3 projects: no problems\n' });
  });

  it('graphs the ci workflow with ^build honoured across packages', () => {
    const run = runOrch(['graph', 'ci', '--json'], example());
    expect(run.code).toBe(0);
    const { order, edges } = JSON.parse(run.stdout) as { order: string[]; edges: { from: string; to: string }[] };
    const at = (id: string) => order.indexOf(id);
    expect(at('@demo/utils#build')).toBeLessThan(at('@demo/core#build'));
    expect(at('@demo/core#build')).toBeLessThan(at('@demo/web#build'));
    expect(at('@demo/web#build')).toBeLessThan(at('quality/verify'));
    expect(order.at(-1)).toBe('ci');
    expect(edges).toContainEqual({ from: '@demo/web#build', to: '@demo/core#build', spec: '^build' });
    expect(order).not.toContain('release/execute');
  });

  it('prints the graph as DOT and Mermaid', () => {
    const dir = example();
    const dot = runOrch(['graph', 'release', '--dot'], dir);
    expect(dot.stdout).toMatch(/^digraph orch \{/);
    expect(dot.stdout).toContain('"release/execute" -> "quality/verify";');
    const mermaid = runOrch(['graph', 'release', '--mermaid'], dir);
    expect(mermaid.stdout.split('\n')[0]).toBe('graph LR');
    expect(mermaid.stdout).toMatch(/n\d+\["release\/execute"\]/);
    expect(runOrch(['graph', '--dot', '--json'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('choose one output format') });
  });

  it('shows a command’s steps, dependencies and dependents', () => {
    const run = runOrch(['show', 'quality:verify'], example());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dependencies:  @demo/core#build, @demo/utils#build, @demo/web#build');
    expect(run.stdout).toContain('dependents:    ci, quality/review, release/execute');
    expect(run.stdout).toContain('2. bundles exist: $ test -f packages/web/dist/index.js');
  });
});
