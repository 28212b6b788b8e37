import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { loadConfig } from '../config/loadConfig.js';
import { isOrchError, type OrchError } from '../OrchError.js';
import { resolvePlugins } from '../plugin/resolvePlugins.js';

async function loadError(cwd: string): Promise<Error & { code?: string; hint?: string }> {
  try {
    await loadConfig({ cwd });
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('finds orchestrator.config.ts walking up, and loads TypeScript without a build step', async () => {
    const dir = tempRepo({
      'orchestrator.config.ts': `
        interface Local { dir: string }
        const local: Local = { dir: 'cmds' };
        export default { commandsDir: [local.dir, 'more'], defaultEntry: 'index' as const } satisfies Record<string, unknown>;
      `,
    });
    mkdirSync(join(dir, 'packages', 'a', 'src'), { recursive: true });
    const { config, diagnostics } = await loadConfig({ cwd: join(dir, 'packages', 'a', 'src') });
    expect(diagnostics).toEqual([]);
    expect(config.root).toBe(realpathSync(dir));
    expect(config.commandsDirs).toEqual(['cmds', 'more']);
    expect(config.defaultEntry).toBe('index');
    expect(config.stateDir).toBe('.orch');
  });

  it.each([
    ['.orchrc.yaml', 'stateDir: .state\n'],
    ['orchestrator.config.json', '{ "stateDir": ".state" }'],
    ['package.json', '{ "name": "x", "orch": { "stateDir": ".state" } }'],
    ['orchestrator.config.mjs', 'export default { stateDir: ".state" };'],
  ])('reads %s', async (file, text) => {
    const { config } = await loadConfig({ cwd: tempRepo({ [file]: text }) });
    expect(config.stateDir).toBe('.state');
  });

  it('uses defaults without a config, rooted at the repository', async () => {
    const dir = tempRepo({ 'src/a.ts': '' });
    const { config, diagnostics } = await loadConfig({ cwd: join(dir, 'src') });
    expect(diagnostics).toEqual([]);
    expect(config.configFile).toBeUndefined();
    expect(config.root).toBe(dir);
    expect(config.commandsDirs).toEqual(['.claude/commands']);
  });

  it('reports schema problems with the key path, line, what was found and what is expected', async () => {
    const dir = tempRepo({
      'orchestrator.config.ts': [
        'export default {',
        "  comandsDir: 'x',",
        '  targets: {',
        "    build: { dependOn: ['^build'], cache: 'yes' },",
        '  },',
        '};',
        '',
      ].join('\n'),
    });
    const { diagnostics } = await loadConfig({ cwd: dir });
    const byMessage = Object.fromEntries(diagnostics.map((d) => [d.message, d]));
    expect(Object.keys(byMessage).sort()).toEqual(["targets.build.cache: expected true or false, found \"yes\"", "unknown key 'comandsDir'", "unknown key 'dependOn' in targets.build"].sort());
    expect(byMessage["unknown key 'comandsDir'"]).toMatchObject({ location: { line: 2, column: 3 }, sourceLine: "  comandsDir: 'x'," });
    expect(byMessage["unknown key 'comandsDir'"]!.hint).toContain("did you mean 'commandsDir'?");
    expect(byMessage["unknown key 'dependOn' in targets.build"]!.hint).toContain("did you mean 'dependsOn'?");
    expect(byMessage["targets.build.cache: expected true or false, found \"yes\""]!.location).toMatchObject({ line: 4 });
  });

  it('points at the exact place in a YAML config', async () => {
    const dir = tempRepo({ '.orchrc.yaml': 'targets:\n  build:\n    dependsOn: ^build\n' });
    const { diagnostics } = await loadConfig({ cwd: dir });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ message: 'targets.build.dependsOn: expected a list, found "^build"', location: { line: 3, column: 16, endColumn: 21 } });
  });

  it('fails clearly, naming the file and line, when the config throws', async () => {
    const dir = tempRepo({ 'orchestrator.config.mjs': 'const x = 1;\nthrow new Error("no database url");\nexport default {};\n' });
    const error = await loadError(dir);
    expect(isOrchError(error, 'config-load-failed')).toBe(true);
    expect(error.message).toMatch(/could not load .*orchestrator\.config\.mjs: no database url/);
    expect((error as unknown as OrchError).diagnostics[0]).toMatchObject({ code: 'config/load-failed', location: { line: 2, column: 7 }, sourceLine: 'throw new Error("no database url");', owner: { kind: 'config' } });
  });

  it('fails clearly when a TypeScript config throws', async () => {
    const dir = tempRepo({ 'orchestrator.config.ts': 'const n: number = 1;\nif (n) throw new Error("bad env");\nexport default {};\n' });
    const error = await loadError(dir);
    expect(error.message).toContain('orchestrator.config.ts');
    expect(error.message).toContain('bad env');
    // The config's own line and column, through jiti's source maps, not the transpiled code's.
    expect((error as unknown as OrchError).diagnostics[0]!.location).toMatchObject({ line: 2, column: 14 });
  });

  it.each([
    ['orchestrator.config.ts', 'export const unrelated = 1;\n'],
    ['orchestrator.config.mjs', '// nothing\n'],
    ['.orchrc', ''],
  ])('fails clearly when %s exports nothing', async (file, text) => {
    const error = await loadError(tempRepo({ [file]: text }));
    expect(error.message).toContain(`${file} exports no configuration`);
    expect((error as unknown as OrchError).diagnostics[0]!.hint).toContain('export default');
  });

  it('fails with the file and position when a config is not valid syntax', async () => {
    const error = await loadError(tempRepo({ 'orchestrator.config.json': '{ "stateDir": ' }));
    expect(isOrchError(error, 'config-load-failed')).toBe(true);
    expect(error.message).toContain('orchestrator.config.json');
  });
});

describe('plugins declared by package name', () => {
  const pluginPackage = {
    'node_modules/orch-gate-size/package.json': JSON.stringify({ name: 'orch-gate-size', type: 'module', exports: { import: './index.js' } }),
    'node_modules/orch-gate-size/index.js': `
      export default function sizeGate(options = {}) {
        if (options.max !== undefined && typeof options.max !== 'number') throw new Error('max must be a number');
        return { name: 'orch-gate-size', apply(engine) { engine.options = options; } };
      }
    `,
  };

  it('resolves an ESM-only package from the config directory and passes its options', async () => {
    const dir = tempRepo(pluginPackage);
    const plugins = await resolvePlugins({ defaults: [], preset: true, specs: ['orch-gate-size', ['orch-gate-size', { max: 10 }]], disable: [], fromDir: dir });
    expect(plugins).toHaveLength(1);
    const engine: Record<string, unknown> = {};
    plugins[0]!.apply(engine as never);
    expect(engine.options).toEqual({ max: 10 });
  });

  it('names the package and the fix when it is not installed', async () => {
    const dir = tempRepo();
    const error = await resolvePlugins({ defaults: [], preset: true, specs: ['orch-gate-missing'], disable: [], fromDir: dir, configFile: 'orchestrator.config.ts' }).catch((e: unknown) => e as Error & { hint: string });
    expect(isOrchError(error, 'plugin-not-found')).toBe(true);
    expect((error as Error).message).toContain("plugin package 'orch-gate-missing' (orchestrator.config.ts plugins[0]) is not installed");
    expect((error as { hint: string }).hint).toContain('pnpm add -D orch-gate-missing');
  });

  it('refuses a package that exports no plugin or gate', async () => {
    const dir = tempRepo({
      'node_modules/orch-gate-empty/package.json': JSON.stringify({ name: 'orch-gate-empty', type: 'module', main: 'index.js' }),
      'node_modules/orch-gate-empty/index.js': 'export const version = 1;\n',
    });
    const error = await resolvePlugins({ defaults: [], preset: true, specs: ['orch-gate-empty'], disable: [], fromDir: dir }).catch((e: unknown) => e as Error);
    expect(isOrchError(error, 'plugin-invalid')).toBe(true);
    expect((error as Error).message).toBe("config plugins[0] ('orch-gate-empty') is not a plugin");
  });

  it('reports options the plugin rejects', async () => {
    const dir = tempRepo(pluginPackage);
    const error = await resolvePlugins({ defaults: [], preset: true, specs: [['orch-gate-size', { max: 'ten' }]], disable: [], fromDir: dir }).catch((e: unknown) => e as Error);
    expect(isOrchError(error, 'plugin-invalid')).toBe(true);
    expect((error as Error).message).toContain('rejected its options: max must be a number');
  });
});
