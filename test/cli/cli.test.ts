import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

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
    expect(graphHelp.stdout).toContain('Usage: orch graph [<command>...] [--json | --dot | --mermaid]');
  });

  it('shows help and exits 2 when run without a command', () => {
    const run = runOrch([], dir());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage: orch <command>');
  });

  it('suggests the command or option that was meant', () => {
    const command = runOrch(['valdate'], dir());
    expect(command.code).toBe(2);
    expect(command.stderr).toBe("orch: unknown command 'valdate'\n  did you mean 'validate'?\n");
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
