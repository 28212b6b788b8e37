import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { ORCH_BIN, runOrch } from '../helpers/runOrch.js';

const version = (JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('orch basics', () => {
  const dir = () => tempRepo();

  it('prints its version', () => {
    for (const flag of ['--version', '-v']) expect(runOrch([flag], dir())).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints help with commands, examples and exit codes', () => {
    const run = runOrch(['--help'], dir());
    expect(run.code).toBe(0);
    for (const text of ['list', 'show', 'validate', 'graph', 'init', 'Examples:', 'Exit codes: 0 ok, 1 a task failed, 2 usage or config error']) expect(run.stdout).toContain(text);
    const graphHelp = runOrch(['graph', '--help'], dir());
    expect(graphHelp.stdout).toContain('Usage: orch graph [<command>...] [options]');
    expect(graphHelp.stdout).toMatch(/^ {6}--mermaid +print the graph as a Mermaid flowchart$/m);
  });

  it('shows help and exits 2 when run without a command', () => {
    const run = runOrch([], dir());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage: orch [options] <command>');
  });

  it('suggests the command or option that was meant', () => {
    const command = runOrch(['valdate'], dir());
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("orch: unknown command 'valdate'\n  hint: did you mean 'validate'?\n");
    const option = runOrch(['graph', '--mermeid'], dir());
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--mermeid'");
    expect(option.stderr).toContain("did you mean '--mermaid'?");
  });

  it('refuses an unsafe command name', () => {
    const run = runOrch(['show', '../../etc/passwd'], tempRepo({ '.claude/commands/a.md': '# a\n' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("'..' is not allowed as a folder in a command name");
  });
});

describe("orch's own options and every option's values (findings 11 #8, #11; 12 #13)", () => {
  const repo = () =>
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/web/package.json': JSON.stringify({ name: 'web', scripts: { build: 'echo web-built' } }),
      'ci.config.json': JSON.stringify({ commands: { from_ci_config: { run: 'echo ci' } } }),
      '.claude/commands/hello.md': '---\ndescription: hi\n---\nhi\n',
    });

  it('are accepted before the command as after it', () => {
    const dir = repo();
    for (const args of [['--no-color', 'run', 'build'], ['run', 'build', '--no-color']]) {
      const run = runOrch(args, dir);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('web-built');
    }
    for (const args of [['--cwd', join(dir, 'packages'), 'list'], ['list', '--cwd', join(dir, 'packages')], [`--cwd=${join(dir, 'packages')}`, 'list']]) {
      expect(runOrch(args, tempRepo()).stdout).toContain('web#build');
    }
    for (const args of [['--config', 'ci.config.json', 'validate'], ['validate', '--config', 'ci.config.json']]) expect(runOrch(args, dir).code).toBe(0);
    for (const args of [['--config', 'ci.config.json', 'list'], ['list', '--config', 'ci.config.json']]) expect(runOrch(args, dir).stdout).toContain('from_ci_config');
    expect(runOrch(['--cwd', dir, '--help'], tempRepo()).stdout).toContain('Options (before or after the command):');
  });

  it('refuses an option of a command put before it, and a global option without its value, saying what goes where', () => {
    const dir = repo();
    const misplaced = runOrch(['--json', 'list'], dir);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("orch: '--json' goes after the command: it is an option of run, affected, resume, status, metrics, sessions, explain, cache, list, show, validate, graph and daemon, not of orch itself\n  hint: e.g. orch list --json");
    const typo = runOrch(['--cwdd', dir, 'list'], dir);
    expect(typo.stderr).toContain("did you mean '--cwd'?");
    const missing = runOrch(['list', '--cwd'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('orch: --cwd needs a value: <dir>');
  });

  it.each([
    [['run', 'build', '--concurrency', '-1'], '--concurrency -1: expected a number of tasks (1 or more) or a percentage of the cores', 'e.g. --concurrency 4 or --concurrency 50%'],
    [['run', 'build', '--concurrency', '--force'], '--concurrency needs a value: <n>', 'e.g. --concurrency 4 or --concurrency 50%'],
    [['list', '--kind', 'bogus'], '--kind bogus: expected one of markdown, script, config or workflow', 'e.g. --kind markdown'],
    [['list', '--kind', 'scripts'], '--kind scripts: expected one of markdown, script, config or workflow', "did you mean 'script'?"],
    [['list', '--kind'], '--kind needs a value: one of markdown, script, config or workflow', 'e.g. --kind markdown'],
    [['run', 'build', '--reporter', 'fancy'], '--reporter fancy: expected one of tty, plain, json or silent', 'e.g. --reporter tty'],
    [['affected', '--graph=svg'], '--graph svg: expected one of text, json, dot or mermaid', 'e.g. --graph or --graph=mermaid'],
    [['sessions', '--limit', '0'], '--limit 0: expected a number of sessions (1 or more)', 'e.g. --limit 50'],
    [['cache', 'clean', '--older-than', 'soon'], '--older-than soon: expected a duration such as 7d, 12h or 30m', 'e.g. --older-than 7d'],
    [['list', 'extra'], "unexpected argument 'extra'", 'this command takes no names; run with --help to see the usage'],
  ])('%j is a usage error in orch\'s words: what was given, what is expected, an example', (args, message, hint) => {
    const run = runOrch(args, repo());
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`orch: ${message}\n  hint: ${hint}\n`);
  });
});

describe('TypeScript configs', () => {
  it('load without the TypeScript compiler', () => {
    const dir = tempRepo({
      'orchestrator.config.ts': "import type { OrchConfig } from '@orch/cli';\nconst dir: string = 'cmds';\nexport default { commandsDir: dir } satisfies OrchConfig;\n",
      'cmds/hi.md': '---\ndescription: hi\n---\n',
      // Fails the run if anything requires the compiler.
      'no-typescript.cjs': "const Module = require('module'); const load = Module._load; Module._load = function (request, ...rest) { if (request === 'typescript') throw new Error('typescript was loaded'); return load.call(this, request, ...rest); };\n",
    });
    const run = runOrch(['list', '--json'], dir, { NODE_OPTIONS: `--require ${join(dir, 'no-typescript.cjs')}` });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ id: 'hi', file: 'cmds/hi.md' })]);
  });
});

describe('orch init', () => {
  it('writes a starter config and command that orch then reads', () => {
    const dir = tempRepo();
    const run = runOrch(['init'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote orchestrator.config.ts');
    const list = runOrch(['list', '--json'], dir);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 'hello', kind: 'markdown' })]);
    expect(runOrch(['validate'], dir).code).toBe(0);
  });

  it('leaves existing files alone unless --force', () => {
    const dir = tempRepo({ 'orchestrator.config.ts': 'export default { stateDir: ".mine" };\n' });
    const run = runOrch(['init'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('orchestrator.config.ts already exists; nothing written');
    expect(readFileSync(join(dir, 'orchestrator.config.ts'), 'utf8')).toBe('export default { stateDir: ".mine" };\n');
    expect(() => readFileSync(join(dir, '.claude/commands/hello.md'))).toThrow();
    expect(runOrch(['init', '--force'], dir).code).toBe(0);
    expect(readFileSync(join(dir, 'orchestrator.config.ts'), 'utf8')).toContain('satisfies OrchConfig');
  });
});

describe('plugins from orchestrator.config.ts', () => {
  it('replaces a built-in by name and turns another off', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'solo', scripts: { build: 'echo build' } }),
      '.claude/commands/deploy/production.md': '---\ndescription: ship it\n---\n',
      'orchestrator.config.mjs': `
        export default {
          disablePlugins: ['orch:workspace'],
          plugins: [{
            name: 'orch:resolver',
            apply(engine) {
              engine.hooks.resolve.tap('orch:resolver', ({ name }) =>
                name === 'ship' ? { kind: 'command', id: 'deploy/production', via: 'alias', warnings: [] } : undefined);
            },
          }],
        };
      `,
    });
    const show = runOrch(['show', 'ship'], dir);
    expect(show.code).toBe(0);
    expect(show.stdout.split('\n')[0]).toBe('deploy/production  (markdown, .claude/commands/deploy/production.md)');
    const list = JSON.parse(runOrch(['list', '--json'], dir).stdout) as { id: string }[];
    expect(list.map((c) => c.id)).toEqual(['deploy/production']);
  });

  it('names the plugin and hook when a plugin fails', () => {
    const dir = tempRepo({
      'orchestrator.config.mjs': "export default { plugins: [{ name: 'acme-source', apply(engine) { engine.hooks.discover.tap('acme-source', () => { throw new Error('registry offline'); }); } }] };\n",
    });
    const run = runOrch(['list'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("orch: plugin 'acme-source' failed in hook 'discover': registry offline");
  });
});

// Session 24's tester: started in a folder since removed, orch crashed (a stack, exit 70) even for --version.
describe('started in a folder that no longer exists', () => {
  const inRemovedFolder = (args: string[]) => {
    const parent = tempRepo();
    const script = `cd ${JSON.stringify(join(parent, 'gone'))} && rmdir ${JSON.stringify(join(parent, 'gone'))} && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(ORCH_BIN)} ${args.map((arg) => JSON.stringify(arg)).join(' ')}`;
    mkdirSync(join(parent, 'gone'));
    const result = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, ORCH_DAEMON: '0' } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, parent };
  };

  it('--version and --help answer; an absolute --cwd runs there; anything else is a usage error without a stack', () => {
    expect(inRemovedFolder(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(inRemovedFolder(['--help'])).toMatchObject({ code: 0 });
    const listed = inRemovedFolder(['list']);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toBe('orch: the folder orch was started in no longer exists (removed or moved away)\n  hint: cd to a folder that exists, or give --cwd <absolute folder>\n');
    const there = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands: { hello: { description: 'hi', run: 'echo hi' } } }) });
    const elsewhere = inRemovedFolder(['--cwd', there, 'list']);
    expect([elsewhere.code, elsewhere.stderr]).toEqual([0, '']);
    expect(elsewhere.stdout).toContain('hello');
  });
});
