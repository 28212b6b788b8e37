import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import { parseDocument } from 'yaml';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { schemaDiagnostics } from '../diagnostics/schemaDiagnostics.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { textLocator, yamlLocator, type PathLocator } from '../diagnostics/yamlLocator.js';
import { OrchError } from '../OrchError.js';
import { normaliseRetry } from '../recovery/recoveryPolicy.js';
import { parseDuration } from '../parseDuration.js';
import { configKeys, configSchema } from './configSchema.js';
import type { OrchConfig, ResolvedCacheConfig, ResolvedConfig } from './OrchConfig.js';

const MODULE_NAME = 'orch';

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
}

export interface LoadedConfig {
  config: ResolvedConfig;
  diagnostics: Diagnostic[];
}

/**
 * Finds and loads the config, walking up from `cwd` to the repository root (the nearest
 * folder with `.git`), and validates it. TypeScript configs load through jiti, which strips
 * types without the TypeScript compiler. Without a config, the defaults apply and the root is
 * the nearest folder that looks like a workspace or repository root.
 *
 * Throws `OrchError('config-load-failed')` when the config cannot be loaded at all (it throws,
 * exports nothing, or is not valid syntax); schema problems come back as diagnostics.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'global',
    stopDir: repositoryRoot(cwd) ?? homedir(),
    loaders: { '.ts': loadTypeScript, '.mts': loadTypeScript, '.cts': loadTypeScript },
    cache: false,
    ignoreEmptySearchPlaces: false,
  });

  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = options.configFile ? await explorer.load(resolve(cwd, options.configFile)) : await explorer.search(cwd);
  } catch (error) {
    throw loadFailure(error, options.configFile ? resolve(cwd, options.configFile) : undefined);
  }

  if (!found) return { config: resolveConfig({}, defaultRoot(cwd)), diagnostics: [] };
  const { filepath } = found;
  let raw = found.config;
  if (typeof raw === 'function') raw = await (raw as (env: { root: string }) => unknown)({ root: dirname(filepath) });
  if (found.isEmpty || raw === undefined || raw === null) {
    throw new OrchError('config-load-failed', `${filepath} exports no configuration`, {
      hint: "export one: `export default defineConfig({ ... })` (import defineConfig from '@orch/cli')",
    });
  }

  const root = dirname(filepath);
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    const diagnostics = schemaDiagnostics(result.issues, {
      code: 'config/invalid',
      locate: configLocator(filepath),
      knownKeys: knownConfigKeys,
    });
    return { config: { ...resolveConfig({}, root), configFile: filepath }, diagnostics };
  }
  return { config: { ...resolveConfig(result.output as OrchConfig, root), configFile: filepath }, diagnostics: [] };
}

/** Applies defaults to a validated config. */
export function resolveConfig(config: OrchConfig, root: string): ResolvedConfig {
  const commandsDir = config.commandsDir ?? '.claude/commands';
  return {
    root,
    commandsDirs: Array.isArray(commandsDir) ? commandsDir : [commandsDir],
    agentsDir: config.agentsDir ?? '.claude/agents',
    defaultEntry: config.defaultEntry ?? 'execute',
    stateDir: config.stateDir ?? '.orch',
    ...(config.workspaces ? { workspaces: config.workspaces } : {}),
    targets: config.targets ?? {},
    commands: config.commands ?? {},
    workflows: config.workflows ?? {},
    plugins: config.plugins ?? [],
    disablePlugins: config.disablePlugins ?? [],
    preset: config.preset ?? true,
    resources: config.resources ?? {},
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    pluginTimeout: parseDuration(config.pluginTimeout ?? '60s') ?? 60_000,
    workers: config.workers ?? {},
    gates: config.gates ?? {},
    complexityBudget: config.complexityBudget ?? 100,
    prompt: { positionalBase: config.prompt?.positionalBase ?? 1, indexBase: config.prompt?.indexBase ?? 0 },
    agent: config.agent ?? { adapter: 'claude' },
    cache: resolveCache(config, config.stateDir ?? '.orch'),
    ...(config.recovery === undefined ? {} : { recovery: config.recovery }),
    ...(config.retry === undefined ? {} : { retry: normaliseRetry(config.retry).policy! }),
    circuitBreakers: Object.fromEntries(
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

function resolveCache(config: OrchConfig, stateDir: string): ResolvedCacheConfig {
  const cache = config.cache ?? {};
  const ttlMs = cache.ttl === undefined ? undefined : parseDuration(cache.ttl);
  return {
    dir: cache.dir ?? `${stateDir}/cache`,
    ...(ttlMs === undefined ? {} : { ttlMs }),
    maxBytes: parseSize(cache.maxSize ?? '5GB'),
    local: cache.local ?? 'rw',
    ...(cache.remote ? { remote: { ...cache.remote, access: cache.remote.access ?? 'rw', timeoutMs: parseDuration(cache.remote.timeout ?? '10s') ?? 10_000, verify: cache.remote.verify ?? true } } : {}),
    force: false,
  };
}

function knownConfigKeys(path: readonly (string | number)[]): readonly string[] | undefined {
  if (path.length === 0) return configKeys.root;
  const [section] = path;
  if (path.length === 2 && section === 'targets') return configKeys.target;
  if (path.length === 2 && section === 'commands') return configKeys.command;
  if (path.length === 2 && section === 'workflows') return configKeys.workflow;
  if (path.length >= 3 && (section === 'commands' || section === 'workflows')) return configKeys.step;
  return undefined;
}

/** Locates key paths in a config file: exactly for JSON and YAML, by search for JS and TS. */
export function configLocator(filepath: string): PathLocator {
  let text = '';
  try {
    text = readFileSync(filepath, 'utf8');
  } catch {
    return () => ({ location: { file: filepath } });
  }
  const source = new SourceFile(filepath, text);
  const extension = extname(filepath);
  const isData = ['.json', '.yaml', '.yml', ''].includes(extension) || filepath.endsWith('rc');
  if (!isData) return textLocator(source);
  const document = parseDocument(text);
  const locate = yamlLocator(document, source);
  if (filepath.endsWith('package.json')) return (path, options) => locate([MODULE_NAME, ...path], options);
  return locate;
}

async function loadTypeScript(filepath: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(pathToFileURL(filepath).href, { moduleCache: false, interopDefault: true });
  const module = (await jiti.import(filepath)) as Record<string, unknown> | undefined;
  // No default export means no configuration, which loadConfig reports.
  return module && typeof module === 'object' && 'default' in module ? module.default : undefined;
}

function loadFailure(error: unknown, filepath: string | undefined): OrchError {
  const message = error instanceof Error ? error.message : String(error);
  const file = filepath ?? (error instanceof Error ? /\b(\/[^\s:()]+(?:orchestrator\.config|\.orchrc)[^\s:()]*)/.exec(`${error.message}\n${error.stack}`)?.[1] : undefined);
  const at = file && error instanceof Error ? new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`).exec(error.stack ?? '') : null;
  const where = file ? `${file}${at ? `:${at[1]}:${at[2]}` : ''}` : 'the config';
  return new OrchError('config-load-failed', `could not load ${where}: ${message.split('\n')[0]}`, {
    cause: error,
    hint: 'fix the config file so it loads with `node`, and export the configuration as the default export',
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Nearest ancestor (or itself) that holds `.git`. */
export function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Without a config: the nearest folder that looks like a workspace or repository root. */
function defaultRoot(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) || existsSync(join(dir, '.git')) || existsSync(join(dir, '.claude'))) return dir;
    if (existsSync(join(dir, 'package.json'))) {
      try {
        if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // an unreadable package.json is the workspace source's to report
      }
    }
    if (dirname(dir) === dir || isAbsolute(dir) === false) return cwd;
  }
}
