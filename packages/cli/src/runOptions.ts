import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { ENV_MODES, LOG_LEVELS, LOG_ORDERS, OUTPUT_LOGS, OrchError, type CacheAccess, type ContinueMode, type EnvMode, type ResolvedConfig, type SessionInfo } from '@orch/engine';
import type { CliOption, CliOptions } from './parseCommandLine.js';
import { queueLocation } from './distributed/queueConnection.js';

/**
 * What `orch resume` does with an option of the run it continues (issue 11, part 11):
 * - `replayed`: recorded in the session and applied again;
 * - `overridable`: replayed, unless resume is given the option too;
 * - `planned`: it chose the tasks, and the session records the tasks themselves;
 * - `invocation`: about this invocation, not the run (how it reports, or whether it runs at all).
 */
export type ResumePolicy = 'replayed' | 'overridable' | 'planned' | 'invocation';

interface RunOption extends CliOption {
  resume: ResumePolicy;
}

/** `--cache=local:rw,remote:r`: what is wrong with a spec, or undefined. */
function cacheSpecProblem(spec: string): string | undefined {
  const bad = spec.split(',').find((part) => {
    const [where, access] = part.split(':');
    return !['rw', 'r', 'w', 'off'].includes(access ?? '') || (where !== 'local' && where !== 'remote');
  });
  return bad === undefined ? undefined : `<local|remote>:<rw|r|w|off>, comma-separated ('${bad}' is not)`;
}

const CONCURRENCY = /^(\d+)(%?)$/;

/**
 * The options of a run, declared once: `orch run` and `orch affected` parse them, `--help`
 * shows them, `runSettings` applies them, the session records the ones resume must apply again
 * (`recordedOptions`), and `orch resume` applies those through the same `runSettings`. An
 * option added here is parsed, checked, documented in `--help`, recorded and replayed without
 * anything else to remember.
 */
export const RUN_OPTIONS = {
  concurrency: {
    type: 'string',
    valueName: 'n',
    description: 'how many tasks run at once: a number, or a percentage of the cores',
    default: "the number of cores, or the config's concurrency",
    check: (value) => (CONCURRENCY.test(value.trim()) && Number(CONCURRENCY.exec(value.trim())![1]) > 0 ? undefined : 'a number of tasks (1 or more) or a percentage of the cores'),
    example: '--concurrency 4 or --concurrency 50%',
    resume: 'overridable',
  },
  continue: {
    type: 'string',
    values: ['never', 'dependencies-successful', 'always'],
    valueName: 'mode',
    bare: 'always',
    description: 'what runs after a task fails: never (start no other task), dependencies-successful (skip only what depends on the failed task), always (run every task that can run)',
    default: 'never',
    example: '--continue or --continue=dependencies-successful',
    resume: 'replayed',
  },
  only: { type: 'boolean', description: 'run the named tasks without their dependencies (each must have completed before)', resume: 'replayed' },
  force: { type: 'boolean', description: 'ignore cache hits: run, and store again', resume: 'replayed' },
  cache: {
    type: 'string',
    valueName: 'spec',
    description: 'cache access for this run, per cache: local:<access>,remote:<access>, each rw (read and write), r (read only), w (write only) or off',
    default: "the config's cache.local and cache.remote.access, else local:rw,remote:rw",
    check: cacheSpecProblem,
    example: '--cache=local:rw,remote:r',
    resume: 'replayed',
  },
  'env-mode': {
    type: 'string',
    values: ENV_MODES,
    valueName: 'mode',
    description:
      "the environment tasks see, over the config's and each task's envMode: strict (a base set and the variables declared in env or passThroughEnv, as Turborepo's) or loose (all of orch's environment, every variable hashed but the volatile ones; docs/configuration.md#environment)",
    default: "the config's envMode, else strict",
    example: '--env-mode=loose',
    resume: 'replayed',
  },
  'framework-inference': {
    type: 'string',
    values: ['true', 'false'],
    bare: 'true',
    description: "whether a package using a framework (Next.js, Vite, ...) sees and hashes its variables (NEXT_PUBLIC_*, VITE_*) undeclared, over the config's frameworkInference",
    default: "the config's frameworkInference, else true",
    example: '--framework-inference=false',
    resume: 'replayed',
  },
  filter: {
    type: 'string',
    short: 'F',
    multiple: true,
    valueName: 'filter',
    names: 'packages',
    description:
      "only the tasks of the packages selected, in Turborepo's filter syntax: web, @scope/*, ./packages/* (folder), web... (with its dependencies), ...web (with its dependents), ^ (without the package itself), [main] (changed since a ref), !web (leave out); repeated: union, ! applied last",
    example: "--filter=web... or -F '...[origin/main]'",
    resume: 'planned',
  },
  projects: { type: 'string', multiple: true, valueName: 'pattern', description: 'only the tasks of these projects: globs on name or folder, or tag:<tag> (comma-separated or repeated)', resume: 'planned' },
  exclude: { type: 'string', multiple: true, valueName: 'pattern', description: 'leave out the tasks of these projects (as --projects)', resume: 'planned' },
  summarize: {
    type: 'string',
    valueName: 'file',
    bare: '',
    bareNext: /\.json$/i,
    description: "also write the run's summary as JSON (as Turborepo's: every task's hash, inputs, cache outcome, duration, exit code) to <file> (.orch/runs/<session>.json when none is named)",
    example: '--summarize or --summarize=summary.json',
    resume: 'invocation',
  },
  profile: {
    type: 'string',
    valueName: 'file',
    description: 'write a trace of the run (Chrome trace event format: open it in https://ui.perfetto.dev or chrome://tracing): a track per concurrency slot, each task with its stages, cache restores and gates; orch\'s own start-up and hashing',
    example: '--profile trace.json',
    resume: 'invocation',
  },
  distribute: {
    type: 'string',
    valueName: 'url',
    description: 'spread the tasks over `orch worker` processes through this Redis queue (redis:// or rediss://; credentials from ORCH_QUEUE_PASSWORD); needs a remote cache (docs/distributed.md)',
    check: (value) => (/^rediss?:\/\//.test(value) ? undefined : 'a redis:// or rediss:// URL'),
    example: '--distribute redis://queue-host:6379',
    resume: 'replayed',
  },
  'workers-min': {
    type: 'string',
    valueName: 'n',
    description: 'with --distribute: queue nothing before this many workers are connected',
    default: '1; 0 with --local',
    check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : 'a number of workers, 1 or more'),
    example: '--workers-min 2',
    resume: 'overridable',
  },
  local: { type: 'boolean', description: 'with --distribute: this process also runs tasks (up to --concurrency at once)', resume: 'overridable' },
  'dry-run': { type: 'boolean', description: 'print the plan and why each task runs; run nothing', resume: 'invocation' },
  watch: {
    type: 'boolean',
    description: 'after the run, watch the files and re-run the tasks a change reaches, as `orch watch` (docs/watch.md); Ctrl-C ends it',
    resume: 'invocation',
  },
  json: { type: 'boolean', description: 'every event as NDJSON on stdout', resume: 'invocation' },
  reporter: { type: 'string', values: ['tty', 'plain', 'json', 'silent'], description: 'how progress is shown', default: 'tty in a terminal, else plain', resume: 'invocation' },
  'output-logs': {
    type: 'string',
    values: OUTPUT_LOGS,
    description:
      "how much of the tasks' output is shown (as Turborepo's): full, new-only (cache misses' output; a hit gets its one line), errors-only (output of failed tasks), hash-only (a line with each task's hash), none; over each task's outputLogs",
    default: 'full',
    example: '--output-logs=new-only',
    resume: 'overridable',
  },
  'log-order': {
    type: 'string',
    values: LOG_ORDERS,
    description: "stream prints each line as it comes; grouped prints each task's output together when it ends; auto (as Turborepo's) is grouped when CI is set, else stream",
    default: 'auto',
    example: '--log-order=grouped',
    resume: 'invocation',
  },
  'log-level': { type: 'string', values: LOG_LEVELS, description: "which of orch's own messages are shown (not the tasks'): error, warn, info or debug", default: 'info', example: '--log-level=warn', resume: 'invocation' },
  verbose: { type: 'boolean', description: "orch's own messages in detail: plugins, discovery, each task's hash and stages (same as --log-level=debug)", resume: 'invocation' },
} as const satisfies Record<string, RunOption>;

export type RunOptionName = keyof typeof RUN_OPTIONS;

/** What the session records of a run's options: the ones given, as given. */
export type RecordedOptions = NonNullable<SessionInfo['request']['options']>;

/** The declarations of some run options, for a command's option table. */
export function runOptionSpecs(names: readonly RunOptionName[]): CliOptions {
  return Object.fromEntries(names.map((name) => [name, RUN_OPTIONS[name] as CliOption]));
}

/** The given run options that `orch resume` applies again (replayed and overridable ones). */
export function recordedOptions(values: Record<string, unknown>): RecordedOptions {
  const recorded: RecordedOptions = {};
  for (const [name, option] of Object.entries(RUN_OPTIONS) as [RunOptionName, RunOption][]) {
    const value = values[name];
    if ((option.resume === 'replayed' || option.resume === 'overridable') && value !== undefined) recorded[name] = value as RecordedOptions[string];
  }
  return recorded;
}

/** What a run's options settle. */
export interface RunSettings {
  concurrency: number;
  continue: ContinueMode;
  only: boolean;
  /** `--distribute`: the queue's URL (no credentials), `--workers-min`, `--local`. */
  distribute?: { url: string; workersMin: number; local: boolean };
}

/**
 * What the session records of a run: the names and arguments, the settled values, the options
 * to replay as given, and the config file.
 */
export function runRequest(names: readonly string[], args: readonly string[], values: Record<string, unknown>, settings: RunSettings, config: ResolvedConfig): SessionInfo['request'] {
  return {
    names: [...names],
    args: [...args],
    only: settings.only,
    continue: settings.continue,
    concurrency: settings.concurrency,
    options: recordedOptions(values),
    ...(config.configFile ? { config: relative(config.root, config.configFile) } : {}),
  };
}

/**
 * The option values `orch resume` applies: the recorded ones (for a session recorded before
 * options were, its settled values), then the overridable ones given to resume itself.
 */
export function resumedValues(request: SessionInfo['request'], given: Record<string, unknown>): Record<string, unknown> {
  const recorded = request.options ?? { only: request.only, continue: request.continue, concurrency: String(request.concurrency) };
  const overrides = Object.entries(given).filter(([name, value]) => value !== undefined && (RUN_OPTIONS as Record<string, RunOption>)[name]?.resume === 'overridable');
  return { ...recorded, ...Object.fromEntries(overrides) };
}

/**
 * What a run's options settle, the config's defaults filling in: concurrency, continue mode and
 * `--only`; `--force` and `--cache` are applied to the config's cache settings, `--env-mode`
 * to its environment mode. The values were checked by the parser against `RUN_OPTIONS` (and a
 * resumed session's are the ones it checked then).
 */
export function runSettings(values: Record<string, unknown>, config: ResolvedConfig): RunSettings {
  const settings: RunSettings = {
    concurrency: parseConcurrency((values.concurrency as string | undefined) ?? config.concurrency),
    continue: (values.continue as ContinueMode | undefined) ?? 'never',
    only: values.only === true,
    ...distributeSettings(values),
  };
  applyCacheFlags(config.cache, values);
  applyEnvModeFlag(config, values);
  return settings;
}

/** `--distribute <url>` with `--workers-min` and `--local`; `--workers-min`/`--local` alone are usage errors. */
function distributeSettings(values: Record<string, unknown>): Pick<RunSettings, 'distribute'> {
  const url = values.distribute as string | undefined;
  if (url === undefined) {
    const stray = (['workers-min', 'local'] as const).find((name) => values[name] !== undefined);
    if (stray) throw new OrchError('usage', `--${stray} applies to a distributed run only`, { hint: 'add --distribute redis://<queue-host>:6379 (docs/distributed.md)' });
    return {};
  }
  // Checked before the session records the command line: a URL with a password is refused.
  queueLocation(url, '--distribute');
  const local = values.local === true;
  return { distribute: { url, workersMin: Number(values['workers-min'] ?? (local ? 0 : 1)), local } };
}

/** `--force`, and `--cache=local:rw,remote:r` (each `rw`, `r`, `w` or `off`). */
function applyCacheFlags(cache: ResolvedConfig['cache'], values: Record<string, unknown>): void {
  if (values.force) cache.force = true;
  const spec = values.cache as string | undefined;
  if (spec === undefined) return;
  for (const part of spec.split(',')) {
    const [where, access] = part.split(':');
    if (where === 'local') cache.local = access as CacheAccess;
    else if (cache.remote) cache.remote.access = access as CacheAccess;
  }
}

/**
 * `--env-mode=strict|loose` (over the config's and every task's `envMode`) and
 * `--framework-inference=true|false` (over the config's `frameworkInference`). Returns the mode given, if any.
 */
export function applyEnvModeFlag(config: ResolvedConfig, values: Record<string, unknown>): EnvMode | undefined {
  const inference = values['framework-inference'] as string | undefined;
  if (inference !== undefined) config.frameworkInference = inference === 'true';
  const mode = values['env-mode'] as string | undefined;
  if (mode === undefined) return undefined;
  config.envModeOverride = mode as EnvMode;
  return mode as EnvMode;
}

/** `4`, `50%` (of the cores, at least 1); default: the number of cores. Values were checked by the parser or the config schema. */
export function parseConcurrency(value: string | number | undefined): number {
  const cores = availableParallelism();
  if (value === undefined) return cores;
  const match = CONCURRENCY.exec(String(value).trim());
  if (!match || Number(match[1]) === 0) throw new OrchError('usage', `--concurrency ${value}: expected ${RUN_OPTIONS.concurrency.check(String(value))}`, { hint: `e.g. ${RUN_OPTIONS.concurrency.example}` });
  return match[2] ? Math.max(1, Math.floor((cores * Number(match[1])) / 100)) : Number(match[1]);
}
