import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// Issue 12, part 1: a run is refused only for errors in the config or in what it runs.
const tree = {
  '.claude/commands/hello.md': '---\ndescription: Say hello\nrun: echo hello\n---\n',
  '.claude/commands/template.md': '---\ndescription: {{SUMMARY}}\n---\nFill me in.\n',
  '.claude/commands/broken.md': '---\ndescription: ok\nv:\n  - *nope\n---\nbody\n',
  '.claude/commands/needs-broken.md': '---\ndependencies: [broken]\nrun: echo after\n---\n',
  '.claude/commands/review.md': '---\ndescription: Review\nagents: [reviewer]\n---\nReview it.\n',
  '.claude/commands/cycle/a.md': '---\ndependencies: [cycle/b]\nrun: echo a\n---\n',
  '.claude/commands/cycle/b.md': '---\ndependencies: [cycle/a]\nrun: echo b\n---\n',
  '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: Reviews\n---\nYou review.\n',
  '.claude/agents/reviewer-copy.md': '---\nname: reviewer\ndescription: Reviews too\n---\nYou also review.\n',
  '.claude/agents/helper.md': '---\nname: helper\ndescription: Helps\n---\nYou help.\n',
  '.claude/agents/helper-copy.md': '---\nname: helper\ndescription: Helps too\n---\nYou help too.\n',
};

describe('one bad file blocks only itself', () => {
  it('runs a good command beside a template placeholder, a broken file, duplicate agents and a cycle, naming them as warnings', () => {
    const dir = tempRepo(tree);
    const run = runOrch(['run', 'hello'], dir, { CI: '1' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain('hello');
    expect(run.stderr).toMatch(/^\.claude\/commands\/broken\.md:4:5: warning: front matter: alias '\*nope' refers to no anchor before it \[front-matter\/unknown-alias\]$/m);
    expect(run.stderr).toMatch(/^\.claude\/commands\/cycle\/a\.md:2:\d+: warning: dependency cycle: cycle\/a -> cycle\/b -> cycle\/a/m);
    expect(run.stderr).toContain("warning: duplicate agent 'reviewer', used by review [agent/duplicate-name]");
    expect(run.stderr).toContain('these are errors in what this command does not use, so they are only a warning here');
    expect(run.stderr).not.toContain('nothing was run');
  });

  it("refuses a run whose own closure has the error: the file, a dependency's file, an agent it uses, a cycle it is in", () => {
    const dir = tempRepo(tree);
    for (const [name, error] of [
      ['broken', /broken\.md:4:5: error: front matter: alias '\*nope'/],
      ['needs-broken', /broken\.md:4:5: error: front matter: alias '\*nope'/],
      ['review', /reviewer-copy\.md:2:7: error: duplicate agent 'reviewer', used by review/],
      ['cycle/b', /error: dependency cycle: cycle\/a -> cycle\/b -> cycle\/a/],
    ] as const) {
      const run = runOrch(['run', name, '--dry-run'], dir);
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toMatch(error);
      expect(run.stderr, name).toMatch(/orch: 1 problem in what this run needs; nothing was run/);
    }
  });

  it('list, graph and affected --list exit 0 and say what is wrong elsewhere; validate reports everything and exits 2', () => {
    const dir = commitAll(tempRepo(tree));
    const list = runOrch(['list'], dir);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').map((line) => line.split(/\s+/)[0]).filter(Boolean)).toEqual(['broken', 'cycle/a', 'cycle/b', 'hello', 'needs-broken', 'review', 'template']);
    expect(list.stderr).toContain("broken.md:4:5: warning: front matter: alias '*nope'");

    const graph = runOrch(['graph', 'needs-broken'], dir);
    expect(graph.code).toBe(0);
    expect(graph.stdout).toBe('broken\nneeds-broken  <- broken\n');
    expect(runOrch(['graph', 'cycle/a'], dir).code).toBe(2);

    const affected = runOrch(['affected', '--list', '--files', '.claude/commands/hello.md'], dir);
    expect(affected.code, affected.stderr).toBe(0);
    expect(affected.stdout).toContain('hello');

    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stdout).toBe('✖ 7 commands, 2 agents, 0 projects: 3 errors, 2 warnings\n');
    // The agent nobody uses: a warning; the one a command uses: an error.
    expect(validate.stderr).toMatch(/helper-copy\.md:2:7: warning: duplicate agent 'helper'; the first definition is kept/);
    expect(validate.stderr).toMatch(/template\.md:2:14: warning: description: a YAML mapping, not text/);
  });

  it('still stops every command on an error in the config', () => {
    const dir = tempRepo({ ...tree, 'orchestrator.config.ts': 'export default {\n  targets: [],\n};\n' });
    for (const args of [['run', 'hello'], ['list'], ['graph'], ['affected', '--list', '--files', 'x']]) {
      const run = runOrch(args, dir);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^orchestrator\.config\.ts:2:3: error: targets: expected a mapping/m);
    }
  });

  it('never lets a Node process warning through (the YAML library warns about `{{NAME}}` keys)', () => {
    const dir = tempRepo({ '.claude/commands/named.md': '---\nname: {{NAME}}\ndescription: {{DESCRIPTION}}\n---\nbody\n', '.claude/agents/named.md': '---\nname: {{NAME}}\n---\nbody\n' });
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/\(node:\d+\)|Warning:/);
    expect(run.stderr).toMatch(/agents\/named\.md:2:7: warning: name: a YAML mapping, not text .*; the agent is named 'named' after its file/);
    expect(run.stderr).toMatch(/commands\/named\.md:2:7: warning: name: a YAML mapping, not text .*; kept as the text written/);
    expect(runOrch(['show', 'named'], dir).stdout).toContain('  name:          {{NAME}}\n');
  });
});

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));

describe("Claude Code's own front matter keys, used where orch has a meaning for them", () => {
  it('user-invocable: false leaves a command out of orch list (--all shows it); it still runs by name and as a dependency', () => {
    const dir = tempRepo({
      '.claude/commands/helper.md': '---\ndescription: Background knowledge\nuser-invocable: false\nrun: echo helper ran\n---\n',
      '.claude/commands/main.md': '---\ndescription: Main\ndependencies: [helper]\nrun: echo main ran\n---\n',
    });
    expect(runOrch(['list'], dir).stdout).toBe('main  markdown  Main\n');
    expect(runOrch(['list', '--all'], dir).stdout).toBe('helper  markdown  Background knowledge\nmain    markdown  Main\n');
    const run = runOrch(['run', 'main', '--reporter', 'plain'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain('helper ran');
    expect(runOrch(['run', 'helper', '--dry-run'], dir).code).toBe(0);
  });

  it('disallowed-tools, effort and hooks reach the claude CLI as --disallowedTools, --effort and --settings', () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = tempRepo({
      'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE }, globalPassThroughEnv: ['FAKE_AGENT_LOG'] }),
      '.claude/commands/careful.md': '---\ndescription: Careful\ndisallowed-tools: Write, Bash(rm:*)\neffort: high\nhooks:\n  Stop:\n    - hooks:\n        - type: command\n          command: echo stopped\n---\nBe careful.\n',
    });
    const run = runOrch(['run', 'careful', '--reporter', 'plain'], dir, { FAKE_AGENT_LOG: log });
    expect(run.code, run.stderr).toBe(0);
    const { args } = JSON.parse(readFileSync(log, 'utf8').trim()) as { args: string[] };
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('--disallowedTools')).toBe('Write,Bash(rm:*)');
    expect(after('--effort')).toBe('high');
    expect(JSON.parse(after('--settings')!)).toEqual({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'echo stopped' }] }] } });
  });
});
