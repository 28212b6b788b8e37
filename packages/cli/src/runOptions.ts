import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { ENV_MODES, OrchError, type CacheAccess, type ContinueMode, type EnvMode, type ResolvedConfig, type SessionInfo } from '@orch/engine';
import type { OptionSpec } from './parseCommandLine.js';

/**
 * What `orch resume` does with an option of the run it continues (issue 11, part 11):
 * - `replayed`: recorded in the session and applied again;
 * - `overridable`: replayed, unless resume is given the option too;
 * - `planned`: it chose the tasks, and the session records the tasks themselves;
 * - `invocation`: about this invocation, not the run (how it reports, or whether it runs at all).
 */
export type ResumePolicy = 'replayed' | 'overridable' | 'planned' | 'invocation';

interface RunOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
  resume: ResumePolicy;
}

/**
 * The options of a run, declared once: `orch run` and `orch affected` parse them, `runSettings`
 * applies them, the session records the ones resume must apply again (`recordedOptions`), and
 * `orch resume` applies those through the same `runSettings`. An option added here is recorded
 * and replayed without anything else to remember.
 */
export const RUN_OPTIONS = {
  concurrency: { type: 'string', resume: 'overridable' },
  continue: { type: 'string', resume: 'replayed' },
  only: { type: 'boolean', resume: 'replayed' },
  force: { type: 'boolean', resume: 'replayed' },
  cache: { type: 'string', resume: 'replayed' },
  'env-mode': { type: 'string', resume: 'replayed' },
  projects: { type: 'string', multiple: true, resume: 'planned' },
  exclude: { type: 'string', multiple: true, resume: 'planned' },
  'dry-run': { type: 'boolean', resume: 'invocation' },
  json: { type: 'boolean', resume: 'invocation' },
  reporter: { type: 'string', resume: 'invocation' },
} as const satisfies Record<string, RunOption>;

export type RunOptionName = keyof typeof RUN_OPTIONS;

/** What the session records of a run's options: the ones given, as given. */
export type RecordedOptions = NonNullable<SessionInfo['request']['options']>;

const CONTINUE_MODES: readonly ContinueMode[] = ['never', 'dependencies-successful', 'always'];

/** Parser specs for some run options (a command's option table spreads them in). */
export function runOptionSpecs(names: readonly RunOptionName[]): OptionSpec {
  return Object.fromEntries(names.map((name) => [name, { type: RUN_OPTIONS[name].type, ...('multiple' in RUN_OPTIONS[name] ? { multiple: true } : {}) }]));
}

/** Bare `--continue` is `--continue=always` (the parser needs a value for a string option). */
export function normaliseRunArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '--continue' ? '--continue=always' : arg));
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
 * to its environment mode. Usage errors
 * name the option and the values it takes.
 */
export function runSettings(values: Record<string, unknown>, config: ResolvedConfig): RunSettings {
  const settings = {
    concurrency: parseConcurrency((values.concurrency as string | undefined) ?? config.concurrency),
    continue: parseContinue(values.continue),
    only: values.only === true,
  };
  applyCacheFlags(config.cache, values);
  applyEnvModeFlag(config, values);
  return settings;
}

/** `--continue=<mode>` (bare `--continue` arrives as `always`); default `never`. */
export function parseContinue(value: unknown): ContinueMode {
  const mode = (value as string | undefined) ?? 'never';
  if (!CONTINUE_MODES.includes(mode as ContinueMode)) throw new OrchError('usage', `--continue=${mode} is not a mode`, { hint: `use one of: ${CONTINUE_MODES.join(', ')}` });
  return mode as ContinueMode;
}

/** `--force`, and `--cache=local:rw,remote:r` (each `rw`, `r`, `w` or `off`). */
export function applyCacheFlags(cache: ResolvedConfig['cache'], values: Record<string, unknown>): void {
  if (values.force) cache.force = true;
  const spec = values.cache as string | undefined;
  if (spec === undefined) return;
  for (const part of spec.split(',')) {
    const [where, access] = part.split(':');
    if (!['rw', 'r', 'w', 'off'].includes(access ?? '') || (where !== 'local' && where !== 'remote')) {
      throw new OrchError('usage', `--cache=${spec}: '${part}' is not <local|remote>:<rw|r|w|off>`, { hint: 'e.g. --cache=local:rw,remote:r' });
    }
    if (where === 'local') cache.local = access as CacheAccess;
    else if (cache.remote) cache.remote.access = access as CacheAccess;
  }
}

/** `--env-mode=strict|loose`: over the config's and every task's `envMode`. Returns the mode given, if any. */
export function applyEnvModeFlag(config: ResolvedConfig, values: Record<string, unknown>): EnvMode | undefined {
  const mode = values['env-mode'] as string | undefined;
  if (mode === undefined) return undefined;
  if (!ENV_MODES.includes(mode as EnvMode)) throw new OrchError('usage', `--env-mode=${mode} is not an environment mode`, { hint: `use ${ENV_MODES.map((m) => `--env-mode=${m}`).join(' or ')}` });
  config.envModeOverride = mode as EnvMode;
  return mode as EnvMode;
}

/** `4`, `50%` (of the cores, at least 1); default: the number of cores. */
export function parseConcurrency(value: string | number | undefined): number {
  const cores = availableParallelism();
  if (value === undefined) return cores;
  const text = String(value).trim();
  const match = /^(\d+)(%?)$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new OrchError('usage', `--concurrency ${text} is not a number of tasks or a percentage`, { hint: 'e.g. --concurrency 4 or --concurrency 50%' });
  return match[2] ? Math.max(1, Math.floor((cores * Number(match[1])) / 100)) : Number(match[1]);
}
