import { describe, expect, it } from 'vitest';
import { fixtureRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// A real .claude tree (claude-code-enhancer): orch must read all of it without a stumble.
describe('the claude-code-enhancer corpus', () => {
  const lenientFiles = [
    '.claude/agents/api-integration-tester.md',
    '.claude/agents/code-quality-enforcer.md',
    '.claude/agents/dependency-manager.md',
    '.claude/agents/test-fixer.md',
    // Not YAML: milestone/execute.md hides it (folder first), and validate says how to reach it.
    '.claude/commands/milestone.md',
    '.claude/commands/test/annotation.md',
    '.claude/commands/test/coverage.md',
    '.claude/commands/test/fix.md',
    '.claude/commands/test/unit.md',
  ];

  it('validates: 80 commands and 14 agents, warning only where front matter is not strict YAML or a file is shadowed', () => {
    const dir = fixtureRepo('claude-code-enhancer');
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('✔ 80 commands, 14 agents, 0 projects: 9 warnings\n');
    const warned = [...run.stderr.matchAll(/^(\S+?):\d+:\d+: warning: /gm)].map((m) => m[1]);
    expect(warned).toEqual(lenientFiles);
  });

  it('lists every command, at every depth, and no partials or READMEs', () => {
    const dir = fixtureRepo('claude-code-enhancer');
    const run = runOrch(['list', '--json'], dir);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { id: string; kind: string; description: string | null }[];
    expect(rows).toHaveLength(80);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['milestone', 'milestone/execute', 'git/workflows/feature', 'milestone/quickstart/frontend', 'quality/verify', 'test/unit']));
    expect(ids.filter((id) => id.includes('_shared') || /readme/i.test(id))).toEqual([]);
    expect(rows.every((r) => r.kind === 'markdown')).toBe(true);
    expect(rows.find((r) => r.id === 'test/unit')!.description).toBe('**EXECUTE all unit tests** with comprehensive coverage analysis and parallel agent coordination');
  });

  it('can run every command it lists (a dry run of all 80 at once)', () => {
    const dir = fixtureRepo('claude-code-enhancer');
    // `x.md` names the file even where a folder `x/` shadows it (`milestone.md`).
    const files = (JSON.parse(runOrch(['list', '--json'], dir).stdout) as { id: string }[]).map((row) => `${row.id}.md`);
    const run = runOrch(['run', ...files, '--dry-run'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^80 tasks in order/);
  });

  it('graphs the whole tree', () => {
    const run = runOrch(['graph', '--json'], fixtureRepo('claude-code-enhancer'));
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout) as { nodes: unknown[]; edges: unknown[]; order: string[] };
    expect(graph.nodes).toHaveLength(80);
    expect(graph.edges).toEqual([]);
  });

  it('resolves folder first and says which file is shadowed', () => {
    const dir = fixtureRepo('claude-code-enhancer');
    const folder = runOrch(['show', 'milestone'], dir);
    expect(folder.code).toBe(0);
    expect(folder.stdout.split('\n')[0]).toBe('milestone/execute  (markdown, .claude/commands/milestone/execute.md)');
    expect(folder.stderr).toContain("both 'milestone.md' and the folder 'milestone/' exist");
    const file = runOrch(['show', 'milestone.md'], dir);
    expect(file.stdout.split('\n')[0]).toBe('milestone  (markdown, .claude/commands/milestone.md)');
    expect(file.stdout).toContain('allowed-tools: all');
  });

  it('shows a three-level command through its alias, with its prompt', () => {
    const run = runOrch(['show', '/git:workflows:feature'], fixtureRepo('claude-code-enhancer'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('description:   Complete feature branch workflow from start to production merge');
    expect(run.stdout).toContain('    # Feature Branch Workflow');
  });
});

// wshobson/commands installed as its README says (the repository cloned as .claude/commands):
// no front matter at all in most files, a README and an examples/ folder in the tree.
describe('the wshobson-commands corpus', () => {
  it('validates without a problem and lists its 58 commands, README left out', () => {
    const dir = fixtureRepo('wshobson-commands');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toBe('✔ 58 commands, 0 agents, 0 projects: no problems\n');
    const ids = (JSON.parse(runOrch(['list', '--json'], dir).stdout) as { id: string }[]).map((row) => row.id);
    expect(ids).toHaveLength(58);
    expect(ids).toEqual(expect.arrayContaining(['tools/smart-debug', 'workflows/tdd-cycle', 'examples/tdd-examples']));
    expect(ids.filter((id) => /readme|license/i.test(id))).toEqual([]);
  });

  it('can run every command it lists (a dry run of all 58 at once)', () => {
    const dir = fixtureRepo('wshobson-commands');
    const ids = (JSON.parse(runOrch(['list', '--json'], dir).stdout) as { id: string }[]).map((row) => row.id);
    const run = runOrch(['run', ...ids, '--dry-run'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^58 tasks in order/);
  });
});
