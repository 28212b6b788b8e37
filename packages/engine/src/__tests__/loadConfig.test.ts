import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { configTimeoutMs } from '../config/configTimeout.js';
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

  it.each([
    [{ stateDir: './state/' }, 'state', 'state/cache'],
    [{ stateDir: '<root>/state', cache: { dir: '<root>/state/c/' } }, 'state', 'state/c'],
    [{ stateDir: '/var/tmp/orch-state' }, '/var/tmp/orch-state', '/var/tmp/orch-state/cache'],
    [{ stateDir: '../elsewhere', cache: { dir: '../c' } }, '<parent>/elsewhere', '<parent>/c'],
  ])('takes stateDir and cache.dir %j as %s and %s (root-relative inside the root, absolute outside)', async (written, stateDir, cacheDir) => {
    const dir = realpathSync(tempRepo());
    const fill = (text: string) => text.replaceAll('<root>', dir).replaceAll('<parent>', dirname(dir));
    writeFileSync(join(dir, 'orchestrator.config.json'), fill(JSON.stringify(written)));
    const { config } = await loadConfig({ cwd: dir });
    expect([config.stateDir, config.cache.dir]).toEqual([fill(stateDir), fill(cacheDir)]);
  });

  it.each(['.', './', ''])('refuses stateDir %j (the root itself) at its line', async (stateDir) => {
    const { diagnostics } = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.json': `{\n  "stateDir": ${JSON.stringify(stateDir)}\n}\n` }) });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', location: { line: 2 } });
    expect(diagnostics[0]!.message).toContain('stateDir: expected a folder of its own, not the root (.orch by default)');
  });

  it.each([[0], ['0s'], ['25d'], [2 ** 31]])('refuses pluginTimeout %j: Node\'s timers hold 1 ms to 24.8 days', async (pluginTimeout) => {
    const { diagnostics } = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.json': JSON.stringify({ pluginTimeout }) }) });
    expect(diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('pluginTimeout: expected a duration from 1ms to 24d')]);
  });

  // A process (the daemon) keeps what jiti transpiled, by source: an edit is read at once.
  it('loads a TypeScript config again in one process with its edits, and a file it imports with theirs', async () => {
    const dir = tempRepo({ 'state.ts': "export const state: string = '.one';\n", 'orchestrator.config.ts': "import { state } from './state';\nexport default { stateDir: state, defaultEntry: 'a' as string };\n" });
    expect((await loadConfig({ cwd: dir })).config).toMatchObject({ stateDir: '.one', defaultEntry: 'a' });
    expect((await loadConfig({ cwd: dir })).config).toMatchObject({ stateDir: '.one', defaultEntry: 'a' });
    writeFileSync(join(dir, 'orchestrator.config.ts'), "import { state } from './state';\nexport default { stateDir: state, defaultEntry: 'b' as string };\n");
    expect((await loadConfig({ cwd: dir })).config).toMatchObject({ stateDir: '.one', defaultEntry: 'b' });
    writeFileSync(join(dir, 'state.ts'), "export const state: string = '.two';\n");
    expect((await loadConfig({ cwd: dir })).config).toMatchObject({ stateDir: '.two', defaultEntry: 'b' });
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

  it('reports every unknown key of every object, nested ones too, each with did you mean or else the valid keys (findings 11 #11)', async () => {
    const config = {
      targets: { build: { inptus: ['src/**'], evn: ['X'] } },
      cache: { remote: { url: 'https://cache.example.com', tokne: 'T', sigKey: 'K' } },
      gates: { 'orch:safety': { enabeld: true } },
      retry: { maxAttempts: 2, tries: 3 },
      stateDri: '.state',
    };
    const { diagnostics } = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.json': JSON.stringify(config, null, 2) }) });
    const byLine = [...diagnostics].sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
    expect(byLine.map((d) => [d.message, d.location?.line, d.hint])).toEqual([
      ["unknown key 'inptus' in targets.build", 4, "did you mean 'inputs'?"],
      ["unknown key 'evn' in targets.build", 7, "did you mean 'env'?"],
      ["unknown key 'tokne' in cache.remote", 15, 'valid keys: url, tokenEnv, team, signatureKeyEnv, verify, access, timeout, maxArtifactSize'],
      ["unknown key 'sigKey' in cache.remote", 16, 'valid keys: url, tokenEnv, team, signatureKeyEnv, verify, access, timeout, maxArtifactSize'],
      ["unknown key 'enabeld' in gates.orch:safety", 21, "did you mean 'enabled'?"],
      ["unknown key 'tries' in retry", 26, 'valid keys: maxAttempts, initialInterval, backoffCoefficient, maximumInterval, jitter, nonRetryable'],
      ["unknown key 'stateDri'", 28, "did you mean 'stateDir'?"],
    ]);
  });

  it('says in words what a value needs: a bound, a whole number, a choice, one of several kinds, a missing key (findings 12 #13)', async () => {
    const json = { concurrency: -1, workers: { maxThreads: 1.5 }, prompt: { positionalBase: 2 }, commandsDir: 5, cache: { remote: { tokenEnv: 'T' } } };
    const fromJson = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.json': JSON.stringify(json) }) });
    expect(fromJson.diagnostics.map((d) => d.message)).toEqual([
      'commandsDir: expected a string or a list, found 5',
      'concurrency: expected 1 or more, found -1',
      'cache.remote: missing key \'url\'',
      "prompt.positionalBase: expected one of 0, 1, found 2",
      'workers.maxThreads: expected a whole number, found 1.5',
    ]);
    const fromModule = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.mjs': 'export default { concurrency: 10n };\n' }) });
    expect(fromModule.diagnostics.map((d) => d.message)).toEqual(['concurrency: expected a number or a string, found 10n (a BigInt)']);
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

describe('configs that must never crash or hang (issue 12)', () => {
  const failure = async (files: Record<string, string>, env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const dir = tempRepo(files);
      const error = (await loadError(dir)) as unknown as OrchError;
      expect(isOrchError(error, 'config-load-failed')).toBe(true);
      return { dir, diagnostic: error.diagnostics[0]! };
    } finally {
      process.env = saved;
    }
  };

  it('locates a JSON syntax error exactly, with the whole path of the file', async () => {
    const { dir, diagnostic } = await failure({ 'orchestrator.config.json': '{\n  "stateDir": "x",\n  "commands": { "a": }\n}\n' });
    expect(diagnostic).toMatchObject({ message: 'not valid JSON: value expected', location: { file: join(dir, 'orchestrator.config.json'), line: 3, column: 22 }, owner: { kind: 'config' } });
  });

  it.each([
    ['JSON nested 1,000 levels', 'orchestrator.config.json', `{"commands":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`, 'nested more than 64 levels deep', 1],
    ['a YAML alias bomb', '.orchrc.yaml', ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n'), 'aliases expand to more than 100 nodes', 2],
    ['an undefined YAML alias', '.orchrc.yaml', 'stateDir: *nope\n', "alias '*nope' refers to no anchor before it", 1],
    ['a TypeScript config that throws', 'orchestrator.config.ts', 'const n: number = 1;\nif (n) throw new Error("no secret");\nexport default {};\n', 'no secret', 2],
    ['a config whose promise rejects', 'orchestrator.config.mts', 'export default Promise.reject(new Error("rejected"));\n', 'rejected', 1],
    ['a config function that throws', 'orchestrator.config.mjs', 'export default async () => {\n  throw new Error("async boom");\n};\n', 'async boom', 2],
    ['a config that throws a string', 'orchestrator.config.mjs', 'throw "plain";\n', "it threw 'plain'", 1],
    ['export default null', 'orchestrator.config.ts', 'export default null;\n', 'orchestrator.config.ts exports null, not a configuration', 1],
    ['an export that is a list', '.orchrc.json', '[]', '.orchrc.json exports a list', 1],
    ['a getter that throws', 'orchestrator.config.mjs', 'export default {\n  get commands() { throw new Error("getter"); },\n};\n', 'reading the exported configuration threw: getter', 2],
  ])('%s is a located error of the config (exit 2), not a crash', async (_name, file, text, message, line) => {
    const { diagnostic } = await failure({ [file]: text });
    expect(diagnostic.message).toContain(message);
    expect(diagnostic.location).toMatchObject({ line, column: expect.any(Number) });
  });

  it('refuses a promise that never settles after ORCH_CONFIG_TIMEOUT, at the default export', async () => {
    const { diagnostic } = await failure({ 'orchestrator.config.ts': 'const pending = new Promise(() => {});\nexport default pending;\n' }, { ORCH_CONFIG_TIMEOUT: '300ms' });
    expect(diagnostic).toMatchObject({ message: 'the config did not finish loading within 300 ms (a promise that never settles)', location: { line: 2, column: 1 } });
  });

  it('takes ORCH_CONFIG_TIMEOUT as a duration or milliseconds, 10 s when unset, and refuses anything else', () => {
    expect(configTimeoutMs({})).toBe(10_000);
    expect(configTimeoutMs({ ORCH_CONFIG_TIMEOUT: '2m' })).toBe(120_000);
    expect(configTimeoutMs({ ORCH_CONFIG_TIMEOUT: '1500' })).toBe(1500);
    expect(configTimeoutMs({ ORCH_CONFIG_TIMEOUT: '24d' })).toBe(24 * 86_400_000);
    expect(() => configTimeoutMs({ ORCH_CONFIG_TIMEOUT: '25d' })).toThrow('ORCH_CONFIG_TIMEOUT=25d is longer than the 24 days a timer can wait');
  });

  it('reports a list where a mapping belongs, and command ids that are not ids, each at its place', async () => {
    const dir = tempRepo({ 'orchestrator.config.ts': 'export default {\n  targets: [],\n  commands: {\n    "../../x": { run: "echo" },\n    "": { run: "echo" },\n    ok: { run: "echo", cache: false },\n  },\n};\n' });
    const { config, diagnostics } = await loadConfig({ cwd: dir });
    expect(diagnostics.map((d) => [d.message, d.location?.line, d.owner])).toEqual([
      ['targets: expected a mapping ({ name: … }), not a list, found a list', 2, { kind: 'config' }],
      ['"../../x" is not a valid name in commands: expected a command id: not empty, without `..`, `\\`, `:`, `#` or a leading `/` (e.g. release or ci/verify)', 4, { kind: 'config' }],
      ['"" is not a valid name in commands: expected a command id: not empty, without `..`, `\\`, `:`, `#` or a leading `/` (e.g. release or ci/verify)', 5, { kind: 'config' }],
    ]);
    // The invalid ids are left out; the valid rest is read, so its own checks still run.
    expect(Object.keys(config.commands)).toEqual(['ok']);
    const valid = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.ts': 'export default { commands: { ok: { run: "echo", cache: false } } };\n' }) });
    expect(valid.diagnostics).toEqual([]);
    expect(valid.config.commands.ok).toEqual({ run: 'echo', cache: false });
  });

  it('loads a config of 20,000 commands', async () => {
    const commands = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`c${i}`, { run: `echo ${i}`, dependencies: i > 0 ? [`c${i - 1}`] : [] }]));
    const { config, diagnostics } = await loadConfig({ cwd: tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands }, null, 1) }) });
    expect(diagnostics).toEqual([]);
    expect(Object.keys(config.commands)).toHaveLength(20_000);
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
