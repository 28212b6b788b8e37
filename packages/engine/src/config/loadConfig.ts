import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describeJsonKind } from '../diagnostics/describeJsonKind.js';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as v from 'valibot';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { objectKeysAt } from '../diagnostics/objectKeysAt.js';
import { schemaDiagnostics } from '../diagnostics/schemaDiagnostics.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { textLocator, yamlLocator, type PathLocator } from '../diagnostics/yamlLocator.js';
import { nameTable } from '../nameTable.js';
import { isOrchError } from '../OrchError.js';
import { parseYaml, YAML_LIMITS } from '../yaml/readYaml.js';
import { configLoadError } from './configLoadError.js';
import { loadJsonConfig, loadYamlConfig } from './loadDataConfig.js';
import { exportLocation } from './configCodeFailure.js';
import { configTimeoutMs } from './configTimeout.js';
import { keepValidParts } from './keepValidParts.js';
import { importConfigModule, settleConfigExport } from './loadModuleConfig.js';
import type { StuckRenderer } from './runConfigCode.js';
import { normaliseRetry } from '../recovery/recoveryPolicy.js';
import { parseDuration } from '../parseDuration.js';
import { configSchema } from './configSchema.js';
import { defaultRoot, searchBoundary } from './searchBoundary.js';
import type { OrchConfig, ResolvedCacheConfig, ResolvedConfig } from './OrchConfig.js';

const MODULE_NAME = 'orch';

/** cosmiconfig, imported once per process: in a daemon every `import()` is a round trip to its module hooks' thread (issue 13). */
let cosmiconfigModule: Promise<typeof import('cosmiconfig')> | undefined;

/** Where cosmiconfig looks in each directory, in order. */
export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.orchrc',
  '.orchrc.json',
  '.orchrc.yaml',
  '.orchrc.yml',
  '.orchrc.js',
  '.orchrc.mjs',
  '.orchrc.cjs',
  '.orchrc.ts',
  'orchestrator.config.ts',
  'orchestrator.config.mts',
  'orchestrator.config.js',
  'orchestrator.config.mjs',
  'orchestrator.config.cjs',
  'orchestrator.config.json',
  'orchestrator.config.yaml',
  'orchestrator.config.yml',
];

export interface LoadConfigOptions {
  /** Directory to start the search from. Default `process.cwd()`. */
  cwd?: string;
  /** An explicit config file; no search. */
  configFile?: string;
  /**
   * Skip the config: the defaults, rooted here (where a config that cannot load was found), so
   * `orch validate` can still check the command files after reporting the config's error.
   */
  defaultsAt?: string;
  /**
   * Renders the error of a JavaScript or TypeScript config caught in a loop that never ends;
   * orch writes it to stderr and ends the process (exit 2). Default: the message and hint.
   */
  renderStuck?: StuckRenderer;
}

export interface LoadedConfig {
  config: ResolvedConfig;
  diagnostics: Diagnostic[];
}

/** What orch's loaders hand cosmiconfig: never `null` or `undefined`, which it would take for "no config here". */
interface Loaded {
  exported: unknown;
}

const dataLoader =
  (load: (file: string, content: string) => unknown) =>
  (file: string, content: string): unknown =>
    // package.json is searched for its `orch` key, which cosmiconfig reads from the plain value.
    basename(file) === 'package.json' ? load(file, content) : ({ exported: load(file, content) } satisfies Loaded);
const moduleLoader =
  (renderStuck: StuckRenderer | undefined) =>
  async (file: string): Promise<Loaded> => importConfigModule(file, renderStuck);

/**
 * Finds and loads the config, walking up from `cwd` no further than `searchBoundary` allows (the
 * repository root inside a git repository), and validates it. Without a config, the defaults
 * apply and the root is the nearest folder that looks like a workspace or repository root.
 *
 * Throws `OrchError('config-load-failed')`, with a diagnostic at the file's line and column,
 * when the config cannot be loaded at all: not valid JSON or YAML, over a size or nesting limit
 * (docs/configuration.md, "Limits"), a module that throws or whose promise rejects or never
 * settles, or an export that is not a configuration. Schema problems come back as diagnostics.
 * Throws `OrchError('usage')` for an `ORCH_CONFIG_TIMEOUT` that is not a duration.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  // A time limit the user set is checked whatever the config's kind, so a typo never waits for a JavaScript config to show.
  configTimeoutMs();
  if (options.defaultsAt !== undefined) return { config: resolveConfig({}, options.defaultsAt), diagnostics: [] };
  const cwd = resolve(options.cwd ?? process.cwd());
  const { cosmiconfig } = await (cosmiconfigModule ??= import('cosmiconfig'));
  let explorer: ReturnType<typeof cosmiconfig>;
  try {
    explorer = cosmiconfig(MODULE_NAME, {
      searchPlaces: CONFIG_SEARCH_PLACES,
      searchStrategy: 'global',
      stopDir: searchBoundary(cwd),
      loaders: {
        '.json': dataLoader(loadJsonConfig),
        '.yaml': dataLoader(loadYamlConfig),
        '.yml': dataLoader(loadYamlConfig),
        noExt: dataLoader(loadYamlConfig),
        ...Object.fromEntries(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].map((extension) => [extension, moduleLoader(options.renderStuck)])),
      },
      cache: false,
      ignoreEmptySearchPlaces: false,
    });
  } catch (error) {
    throw metaConfigError(error, cwd);
  }

  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = options.configFile ? await explorer.load(resolve(cwd, options.configFile)) : await explorer.search(cwd);
  } catch (error) {
    if (isOrchError(error)) throw error;
    const file = options.configFile ? resolve(cwd, options.configFile) : (error as { filepath?: string }).filepath;
    throw configLoadError(file ?? cwd, { file: file ?? cwd, ...(file ? { line: 1, column: 1 } : {}) }, `cannot read it: ${error instanceof Error ? error.message : String(error)}`, 'check that the file exists and can be read', error);
  }

  if (!found) return { config: resolveConfig({}, defaultRoot(cwd)), diagnostics: [] };
  const { filepath } = found;
  const root = dirname(filepath);
  const exported = found.isEmpty ? undefined : basename(filepath) === 'package.json' ? found.config : (found.config as Loaded).exported;
  const raw = MODULE_CONFIG.test(filepath) ? await settleConfigExport(filepath, exported, root, options.renderStuck) : exported;
  // An empty package.json is no JSON, not a config that exports nothing (found by a fresh tester, session 26).
  if (found.isEmpty && basename(filepath) === 'package.json') throw configLoadError(filepath, { file: filepath, line: 1, column: 1 }, 'package.json is empty: not valid JSON', 'write a JSON object: { "name": "<package>" }');
  const problem = notAConfiguration(raw);
  if (problem) throw configLoadError(filepath, exportLocation(filepath), `${basename(filepath)} ${problem}`, "export one: `export default defineConfig({ ... })` (import defineConfig from '@orch/cli'), or write `key: value` settings");

  const locate = configLocator(filepath);
  const result = validate(filepath, raw, locate);
  if (!result.success) {
    const diagnostics = schemaDiagnostics(result.issues, { code: 'config/invalid', locate, knownKeys: (path) => objectKeysAt(configSchema, path) }).map((d): Diagnostic => ({ ...d, owner: { kind: 'config' } }));
    // The valid rest is still read, so its own checks report too: every problem at once.
    const valid = keepValidParts(configSchema, raw, result.issues) as OrchConfig | undefined;
    return { config: keepTranspiledWithState(filepath, resolveConfig(valid ?? {}, root)), diagnostics };
  }
  return { config: keepTranspiledWithState(filepath, resolveConfig(result.output as OrchConfig, root)), diagnostics: [] };
}

/**
 * The config from `file`, which leaves no transpiled copy in a `.orch` beside it that is not its
 * state folder (`transpileCacheDir` cannot tell before it loads; session 24's tester: a leftover
 * `.orch`, maybe not git-ignored, became a change): the copy jiti just wrote there is removed.
 */
function keepTranspiledWithState(file: string, config: ResolvedConfig): ResolvedConfig {
  const folder = dirname(file);
  if (!/\.(mjs|json|ya?ml)$/.test(file) && basename(file) !== 'package.json' && resolve(config.root, config.stateDir) !== resolve(folder, '.orch')) {
    rmSync(join(folder, '.orch', 'transpiled'), { recursive: true, force: true });
  }
  return { ...config, configFile: file };
}

/** Configs whose export is code's value, read through `settleConfigExport`. */
const MODULE_CONFIG = /\.[cm]?[jt]s$/;

/**
 * Validates the exported value (plain data: a module's export is a copy, `settleConfigExport`),
 * after checking it is not nested past the limit (valibot recurses): a value built in code may
 * be deeper than any file.
 */
function validate(filepath: string, raw: unknown, locate: PathLocator) {
  const deep = deepestPath(raw, YAML_LIMITS.maxDepth);
  if (!deep) return v.safeParse(configSchema, raw);
  throw configLoadError(filepath, locate(deep).location, `the configuration is nested more than ${YAML_LIMITS.maxDepth} levels deep (at ${deep.join('.')})`, 'flatten it: no setting of orch is nested this deep');
}

/** Why an export is not a configuration object, or undefined when it is one. */
function notAConfiguration(value: unknown): string | undefined {
  if (value === undefined) return 'exports no configuration';
  if (value === null) return 'exports null, not a configuration';
  if (Array.isArray(value)) return 'exports a list, not a configuration (an object of settings)';
  if (typeof value !== 'object') return `exports ${typeof value === 'string' ? 'a string' : `a ${typeof value}`}, not a configuration (an object of settings)`;
  return undefined;
}

/** The path to the first value nested deeper than `maxDepth` (or in a cycle), found without recursion. */
function deepestPath(value: unknown, maxDepth: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current !== 'object' || current === null || typeof current === 'function') continue;
    if (path.length > maxDepth || seen.has(current)) return path;
    seen.add(current);
    for (const [key, child] of Object.entries(current)) stack.push({ value: child, path: [...path, Array.isArray(current) ? Number(key) : key] });
  }
  return undefined;
}

/** Applies defaults to a validated config. */
export function resolveConfig(config: OrchConfig, root: string): ResolvedConfig {
  const commandsDir = config.commandsDir ?? '.claude/commands';
  return {
    root,
    commandsDirs: Array.isArray(commandsDir) ? commandsDir : [commandsDir],
    agentsDir: config.agentsDir ?? '.claude/agents',
    defaultEntry: config.defaultEntry ?? 'execute',
    resolution: config.resolution ?? 'folder-first',
    stateDir: rootRelative(root, config.stateDir ?? '.orch'),
    ...(config.workspaces ? { workspaces: config.workspaces } : {}),
    targets: config.targets ?? nameTable(),
    commands: config.commands ?? nameTable(),
    workflows: config.workflows ?? nameTable(),
    plugins: config.plugins ?? [],
    disablePlugins: config.disablePlugins ?? [],
    preset: config.preset ?? true,
    resources: config.resources ?? nameTable(),
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    pluginTimeout: parseDuration(config.pluginTimeout ?? '60s') ?? 60_000,
    workers: config.workers ?? {},
    gates: config.gates ?? nameTable(),
    complexityBudget: config.complexityBudget ?? 100,
    prompt: { positionalBase: config.prompt?.positionalBase ?? 0, indexBase: config.prompt?.indexBase ?? 0 },
    agent: config.agent ?? { adapter: 'claude' },
    cache: resolveCache(config, root),
    ...(config.recovery === undefined ? {} : { recovery: config.recovery }),
    ...(config.retry === undefined ? {} : { retry: normaliseRetry(config.retry).policy! }),
    circuitBreakers: nameTable(
      Object.entries(config.circuitBreakers ?? {}).map(([key, value]) => [
        key,
        value === false
          ? false
          : {
              ...(value.failures === undefined ? {} : { failures: value.failures }),
              ...(value.window === undefined ? {} : { windowMs: parseDuration(value.window)! }),
              ...(value.cooldown === undefined ? {} : { cooldownMs: parseDuration(value.cooldown)! }),
            },
      ]),
    ),
    sessions: { log: config.sessions?.log ?? true, fsync: config.sessions?.fsync ?? true, keep: config.sessions?.keep ?? 50 },
    defaultBase: config.defaultBase ?? 'main',
    globalInputs: config.globalInputs ?? [],
    envMode: config.envMode ?? 'strict',
    globalEnv: config.globalEnv ?? [],
    globalPassThroughEnv: config.globalPassThroughEnv ?? [],
    frameworkInference: config.frameworkInference ?? true,
  };
}

/** Bytes from `500MB`, `5GB`, or a number of bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(value.trim());
  if (!match) return Number.NaN;
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[(match[2] ?? 'B').toUpperCase() as 'B'];
  return Math.round(Number(match[1]) * unit);
}

/**
 * A configured folder (`stateDir`, `cache.dir`) as every reader takes it: relative to `root` in
 * POSIX form without `./` or a trailing `/` when it is inside the root (`.orch`, `tmp/state`), so
 * that it can be excluded from the repository's files by prefix; absolute when it is outside
 * (`/var/cache/orch`, `../state`). Either way `path.resolve(root, folder)` is the folder
 * (session 23's tester: an absolute `stateDir` was joined under the root).
 */
export function rootRelative(root: string, folder: string): string {
  const inside = relative(root, resolve(root, folder));
  if (inside === '') return '.';
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return resolve(root, folder);
  return inside.split(sep).join('/');
}

function resolveCache(config: OrchConfig, root: string): ResolvedCacheConfig {
  const cache = config.cache ?? {};
  const stateDir = rootRelative(root, config.stateDir ?? '.orch');
  const ttlMs = cache.ttl === undefined ? undefined : parseDuration(cache.ttl);
  return {
    dir: cache.dir === undefined ? (isAbsolute(stateDir) ? resolve(stateDir, 'cache') : `${stateDir}/cache`) : rootRelative(root, cache.dir),
    ...(ttlMs === undefined ? {} : { ttlMs }),
    maxBytes: parseSize(cache.maxSize ?? '5GB'),
    local: cache.local ?? 'rw',
    ...(cache.remote ? { remote: { ...cache.remote, access: cache.remote.access ?? 'rw', timeoutMs: parseDuration(cache.remote.timeout ?? '10s') ?? 10_000, verify: cache.remote.verify ?? true, maxArtifactBytes: parseSize(cache.remote.maxArtifactSize ?? '1GB') } } : {}),
    force: false,
  };
}

/**
 * Locates key paths in a config file: exactly for JSON and YAML (through the YAML parser, which
 * reads JSON too), by search for JS and TS. Memoised per file, so the command sources that locate
 * their entries share one parse.
 */
export function configLocator(filepath: string): PathLocator {
  let source: SourceFile;
  try {
    source = SourceFile.read(filepath);
  } catch {
    return () => ({ location: { file: filepath, line: 1, column: 1 } });
  }
  const cached = locators.get(filepath);
  if (cached?.text === source.text) return cached.locate;
  const extension = extname(filepath);
  const isData = ['.json', '.yaml', '.yml', ''].includes(extension) || filepath.endsWith('rc');
  const { document } = isData ? parseYaml(source.text) : {};
  let locate = document ? yamlLocator(document, source) : textLocator(source);
  if (document && filepath.endsWith('package.json')) {
    const inPackage = locate;
    locate = (path, options) => inPackage([MODULE_NAME, ...path], options);
  }
  locators.set(filepath, { text: source.text, locate });
  return locate;
}

const locators = new Map<string, { text: string; locate: PathLocator }>();

/**
 * cosmiconfig reads its own meta config (`package.json#cosmiconfig`, `.config/config.json`...)
 * in the process's directory before any search: a file there it cannot parse is a located
 * config error like any other (a truncated `package.json` is `not valid JSON` at its line:col),
 * never an internal error.
 */
function metaConfigError(error: unknown, cwd: string): Error {
  if (isOrchError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  // cosmiconfig names the file (`filepath`), and says it as `JSON Error in <file>: ` and a code frame.
  const named = (error as { filepath?: unknown } | null)?.filepath;
  const file = typeof named === 'string' ? named : /Error in (.+?): ?\n/.exec(message)?.[1];
  if (file && extname(file) === '.json' && existsSync(file)) {
    try {
      loadJsonConfig(file, readFileSync(file, 'utf8'));
    } catch (located) {
      if (isOrchError(located)) return located;
    }
  }
  // Valid JSON but no object (`null`): cosmiconfig's own TypeError would be the reason.
  if (file && basename(file) === 'package.json') {
    const kind = jsonKind(file);
    if (kind !== undefined) return configLoadError(file, { file, line: 1, column: 1 }, `a package.json must be a JSON object; found ${kind}`, 'write an object: { "name": "<package>" }', error);
  }
  const where = file ?? cwd;
  return configLoadError(where, { file: where, ...(file ? { line: 1, column: 1 } : {}) }, `cannot be read: ${message.split('\n').filter((line) => line.trim() !== '').slice(-1)[0] ?? 'no reason given'}`, 'fix the file, or remove it', error);
}

/** What a JSON file holds when it parses but is no object ('null', 'a list', 'a string'...); undefined otherwise. */
function jsonKind(file: string): string | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : describeJsonKind(value);
  } catch {
    return undefined;
  }
}
