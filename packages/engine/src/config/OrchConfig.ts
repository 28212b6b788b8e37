import type { RecoverySpec, RetryPolicy } from '../commands/CommandDefinition.js';
import type { BreakerSettings } from '../recovery/CircuitBreaker.js';
import type { PluginSpec } from '../plugin/Plugin.js';
import type { EnvMode } from './envPattern.js';
import type { OutputLogs } from './outputLogs.js';

/** Defaults for every package script of one name (`build`, `test`), like Turborepo's `tasks`. */
export interface TargetConfig {
  /** `^build` (the target in each workspace dependency), `lint` (same package), `pkg#x`. */
  dependsOn?: string[];
  /** Globs of files whose content goes into the task hash (`!` excludes). Default: the package's tracked files. */
  inputs?: string[];
  /** Globs of files the task writes; restored from cache. */
  outputs?: string[];
  /** Environment variables the tasks see and whose values go into their hash (`MY_APP_*` wildcards, `!` excludes). */
  env?: string[];
  /** Environment variables the tasks see but that stay out of their hash (credentials, log paths). */
  passThroughEnv?: string[];
  /** `strict` or `loose` for these tasks, over the config's `envMode` (`--env-mode` wins over both). */
  envMode?: EnvMode;
  /** Cache results. Default true. */
  cache?: boolean;
  /** How much of these tasks' output a run shows (Turborepo's `outputLogs`); `--output-logs` wins. Default `full`. */
  outputLogs?: OutputLogs;
  /** Never finishes on its own (a dev server): nothing may depend on it; `orch watch` keeps it running, restarting it when its own inputs change (docs/watch.md). Default false. */
  persistent?: boolean;
  description?: string;
  /** Concurrency slots each task takes. Default 1. */
  weight?: number;
  /** Named resources each task holds while it runs (`{ db: 1 }`); declared in `resources`. */
  resources?: Record<string, number>;
  /** Per-task time limit: `30s`, `5m`, or milliseconds. */
  timeout?: string | number;
  /** Gate settings for these tasks (`{ 'orch:side-effects': false }`), over the config's `gates`. */
  gates?: Record<string, boolean | { enabled?: boolean; severity?: 'error' | 'warn'; options?: Record<string, unknown> }>;
  /** Recovery strategy for these tasks, over the config's `recovery`. */
  recovery?: RecoverySpec;
  retry?: RetryConfig;
}

/** A step of a config command or workflow. A bare string in `steps` names a command to run. */
export interface StepConfig {
  name?: string;
  run?: string;
  command?: string;
  /** Undoes this step when a later one fails (saga compensation). */
  compensate?: string;
}

/** A command declared in the config. */
export interface CommandConfig {
  description?: string;
  /** A shell command line, or steps run in order. */
  run?: string | (string | StepConfig)[];
  dependencies?: string[];
  complexity?: 'simple' | 'medium' | 'complex';
  inputs?: string[];
  outputs?: string[];
  /** Environment variables the task sees and whose values go into its hash. */
  env?: string[];
  /** Environment variables the task sees but that stay out of its hash. */
  passThroughEnv?: string[];
  /** `strict` or `loose` for this command, over the config's `envMode`. */
  envMode?: EnvMode;
  /** `30s`, `5m`, or milliseconds. */
  timeout?: string | number;
  /** A JS/TS module whose exported function is the task, run in a worker thread. */
  module?: string;
  /** The export to call. Default `default`. */
  export?: string;
  weight?: number;
  resources?: Record<string, number>;
  recovery?: RecoverySpec;
  retry?: RetryConfig;
  /** A shell command that repairs what validation found (partial recovery runs it, then the failed validations). */
  fixup?: string;
  /** Cache results. Default true (docs/caching.md). */
  cache?: boolean;
  /** How much of its output a run shows (Turborepo's `outputLogs`); `--output-logs` wins. Default `full`. */
  outputLogs?: OutputLogs;
  /** Never finishes on its own (a dev server): nothing may depend on it; `orch watch` keeps it running, restarting it when its own inputs change (docs/watch.md). Default false. */
  persistent?: boolean;
}

/** A multi-step workflow declared in the config. */
export interface WorkflowConfig {
  description?: string;
  /** Each a command id (`lint`, `pkg#build`, `quality/verify`) or a step object. */
  steps: (string | StepConfig)[];
  dependencies?: string[];
}

/** `orchestrator.config.ts`. Every key is optional. */
export interface OrchConfig {
  /** Folders of markdown commands, relative to the root. Default `.claude/commands`. */
  commandsDir?: string | string[];
  /** Folder of agent definitions. Default `.claude/agents`. */
  agentsDir?: string;
  /** The file a folder runs when named alone (`milestone` → `milestone/execute.md`). Default `execute`. */
  defaultEntry?: string;
  /** When both `x.md` and `x/<defaultEntry>.md` exist, what `x` runs: `folder-first` (default) the folder's entry, `file-first` the file (Claude Code's behaviour). */
  resolution?: 'folder-first' | 'file-first';
  /** Where orch keeps sessions, markers and the cache: relative to the root, or absolute. Default `.orch`. */
  stateDir?: string;
  /** Workspace package globs; default from `pnpm-workspace.yaml` or `package.json#workspaces`. */
  workspaces?: string[];
  /** Defaults per package-script name. */
  targets?: Record<string, TargetConfig>;
  commands?: Record<string, CommandConfig>;
  workflows?: Record<string, WorkflowConfig>;
  /** Plugins, after the built-in preset. A plugin named like a built-in replaces it. */
  plugins?: PluginSpec[];
  /** Names of plugins (built-in or not) to leave out. */
  disablePlugins?: string[];
  /** Apply the built-in preset. Default true. */
  preset?: boolean;
  /** Named resources and their capacity, used as semaphores by tasks (`{ db: 1 }`). */
  resources?: Record<string, number>;
  /** Tasks at once: a number or a percentage of the cores (`50%`). Default: the number of cores. */
  concurrency?: number | string;
  /** How long a plugin may take in one hook (except executors). Default `60s`. */
  pluginTimeout?: string | number;
  /** Gates by name: `false` turns one off, or `{ severity: 'warn', options }`. Front matter `gates:` overrides per command. */
  gates?: Record<string, boolean | { enabled?: boolean; severity?: 'error' | 'warn'; options?: Record<string, unknown> }>;
  /** How prompts number arguments: `$N` from `positionalBase` (default 0: `$0` is the first, as current Claude Code; 1 for older trees), `$ARGUMENTS[N]` from `indexBase` (default 0). */
  prompt?: { positionalBase?: 0 | 1; indexBase?: 0 | 1 };
  /** The agent CLI that runs markdown prompts. Default `{ adapter: 'claude' }` (the `claude` command). */
  agent?: AgentConfig;
  /** The task cache. */
  cache?: CacheConfig;
  /** Points of complexity budget a session may spend (simple 1, medium 3, complex 8). Default 100. */
  complexityBudget?: number;
  /** The worker-thread pool for module tasks: threads (default: cores) and heap limit per worker in MB (default 2048). */
  workers?: { maxThreads?: number; maxHeapMb?: number };
  /** Recovery strategy for every command: one name, or per failure stage (`{ execute: 'retry', default: 'manual-intervention' }`). */
  recovery?: RecoverySpec;
  /** Retry policy for commands that retry: a number of retries, or `{ maxAttempts, initialInterval, backoffCoefficient, maximumInterval, jitter, nonRetryable }`. */
  retry?: RetryConfig;
  /** Circuit breakers by executor (`agent`, `shell`, `node`) or service (`remote-cache`): `false`, or `{ failures, window, cooldown }`. */
  circuitBreakers?: Record<string, false | { failures?: number; window?: string | number; cooldown?: string | number }>;
  /** Session logs: `log: false` turns them off (no resume), `fsync: false` skips fdatasync, `keep` sessions (default 50). */
  sessions?: { log?: boolean; fsync?: boolean; keep?: number };
  /** The ref `orch affected` compares with when no `--base` is given. Default `main`. */
  defaultBase?: string;
  /** Files (globs from the root) whose change affects every project and command, besides the built-in ones (the orch config, `tsconfig.base.json`, `pnpm-workspace.yaml`, ...). */
  globalInputs?: string[];
  /**
   * What tasks see of orch's environment. `strict` (default, as Turborepo): the base set
   * (PATH, HOME, ...; docs/configuration.md#environment) and the declared variables only.
   * `loose`: everything, and every variable but the volatile ones goes into the hash.
   */
  envMode?: EnvMode;
  /** Variables every task sees and whose values go into every task's hash. */
  globalEnv?: string[];
  /** Variables every task sees that stay out of the hash. */
  globalPassThroughEnv?: string[];
  /**
   * Whether a package that uses a framework (Next.js, Vite, ...) has the framework's variables
   * (`NEXT_PUBLIC_*`, `VITE_*`) in its tasks' environment and hash without declaring them, as
   * Turborepo's framework inference does. Default true.
   */
  frameworkInference?: boolean;
}

/** `retry:` as written: retries, or a policy whose intervals are durations. */
export type RetryConfig = number | { maxAttempts: number; initialInterval?: string | number; backoffCoefficient?: number; maximumInterval?: string | number; jitter?: boolean; nonRetryable?: (number | string)[] };

/** The config with defaults applied and where it was found. */
export interface ResolvedConfig {
  /** Absolute path of the workspace root (the config's directory). */
  root: string;
  /** Absolute path of the config file, if any. */
  configFile?: string;
  commandsDirs: string[];
  agentsDir: string;
  defaultEntry: string;
  resolution: 'folder-first' | 'file-first';
  /** The state folder: relative to the root in POSIX form when inside it (`.orch`), absolute when outside; `resolve(root, stateDir)` is the folder (`rootRelative`). */
  stateDir: string;
  workspaces?: string[];
  targets: Record<string, TargetConfig>;
  commands: Record<string, CommandConfig>;
  workflows: Record<string, WorkflowConfig>;
  plugins: PluginSpec[];
  disablePlugins: string[];
  preset: boolean;
  resources: Record<string, number>;
  concurrency?: number | string;
  /** Milliseconds. */
  pluginTimeout: number;
  workers: { maxThreads?: number; maxHeapMb?: number };
  gates: Record<string, boolean | { enabled?: boolean; severity?: 'error' | 'warn'; options?: Record<string, unknown> }>;
  complexityBudget: number;
  prompt: { positionalBase: 0 | 1; indexBase: 0 | 1 };
  agent: AgentConfig;
  cache: ResolvedCacheConfig;
  recovery?: RecoverySpec;
  retry?: RetryPolicy;
  circuitBreakers: Record<string, false | BreakerSettings>;
  sessions: { log: boolean; fsync: boolean; keep: number };
  defaultBase: string;
  globalInputs: string[];
  /** Default `strict`. */
  envMode: EnvMode;
  /** `--env-mode`: wins over the config's and every task's `envMode`. */
  envModeOverride?: EnvMode;
  globalEnv: string[];
  globalPassThroughEnv: string[];
  /** Default true; `--framework-inference=false` turns it off for a run. */
  frameworkInference: boolean;
}

/** Read (`r`) and write (`w`) access to a cache, or `off`. */
export type CacheAccess = 'rw' | 'r' | 'w' | 'off';

/** The cache, local and remote. */
export interface CacheConfig {
  /** Folder of the local cache, relative to the root or absolute. Default `<stateDir>/cache`. */
  dir?: string;
  /** How long an entry is used (`7d`); default: until evicted. */
  ttl?: string | number;
  /** Size bound of the local cache (`5GB`, `500MB`); least recently used entries go first. Default 5GB. */
  maxSize?: string | number;
  /** Local cache access. Default `rw`. */
  local?: CacheAccess;
  /** A Turborepo-compatible remote cache. */
  remote?: RemoteCacheConfig;
}

export interface RemoteCacheConfig {
  /** Server address, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Name of the environment variable with the Bearer token. Default `ORCH_REMOTE_CACHE_TOKEN` (then `TURBO_TOKEN`). */
  tokenEnv?: string;
  /** Team (`teamId` query), or `team_…`/slug. */
  team?: string;
  /**
   * Sign artifacts with HMAC-SHA256, the key read from this environment variable; unsigned or
   * badly signed downloads are refused. When the variable is not set, a command that would use
   * the remote cache stops at start-up (exit 2).
   */
  signatureKeyEnv?: string;
  /**
   * Check downloads. Default true: downloads need a valid signature, so without
   * `signatureKeyEnv` remote reads are off (uploads still go). `false` restores artifacts
   * without checking them: only for a server whose every writer you trust (docs/caching.md).
   */
  verify?: boolean;
  /** Remote access. Default `rw`. */
  access?: CacheAccess;
  /** Time limit for one request. Default `10s`. */
  timeout?: string | number;
  /**
   * The largest artifact read from the server (`1GB`, `500MB`, or bytes): bounds the download and
   * what its `meta.json` may declare unpacked; a larger one is refused with a warning and the task
   * runs. Default 1GB.
   */
  maxArtifactSize?: string | number;
}

export interface ResolvedCacheConfig {
  /** Root-relative POSIX form inside the root, absolute outside (as `stateDir`). */
  dir: string;
  ttlMs?: number;
  maxBytes: number;
  local: CacheAccess;
  remote?: ResolvedRemoteCacheConfig;
  /** `--force`: ignore hits, run and store again. */
  force: boolean;
}

/** The remote cache with defaults applied. */
export type ResolvedRemoteCacheConfig = RemoteCacheConfig & { access: CacheAccess; timeoutMs: number; verify: boolean; maxArtifactBytes: number };

/** Which headless agent CLI runs prompts, and how. */
export interface AgentConfig {
  /** `claude` (`claude -p --output-format json`), `codex` (`codex exec --json`), `gemini` (`gemini -p --output-format json`), or `generic`. */
  adapter?: 'claude' | 'codex' | 'gemini' | 'generic';
  /** The executable. Default: the adapter's name. */
  command?: string;
  /** For `generic`: the arguments, with {prompt}, {systemPrompt}, {model}, {maxTurns}, {allowedTools} filled in. */
  args?: string[];
  /** Model, unless the agent definition or the command names one. */
  model?: string;
  /** Extra environment for the agent process. */
  env?: Record<string, string>;
}

/** Typed identity helper for `orchestrator.config.ts`. */
export function defineConfig(config: OrchConfig): OrchConfig {
  return config;
}
