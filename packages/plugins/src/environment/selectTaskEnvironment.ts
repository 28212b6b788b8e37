import { nameTable, perInvocation, type CommandMetadata, type EnvMode, type ResolvedConfig } from '@orch/engine';
import { BASE_ENV, VOLATILE_ENV } from './baseEnvironment.js';
import { envPatternMatcher } from './envPatternMatcher.js';
import { frameworkBySlug, frameworkEnv, type Framework } from './frameworks.js';

/** The variables a task declares and the config's, with the mode that applies to it. */
export interface EnvPolicy {
  mode: EnvMode;
  /** Seen and hashed (the task's `env`). */
  env: readonly string[];
  /** Seen, not hashed (the task's `passThroughEnv`, and what its executor needs, such as an agent CLI's credentials). */
  passThroughEnv: readonly string[];
  /** Seen and hashed, every task. */
  globalEnv: readonly string[];
  /** Seen, not hashed, every task. */
  globalPassThroughEnv: readonly string[];
  /** The framework the task's package uses, when inference is on: its variables are seen and hashed, as `env`'s are. */
  framework?: Framework;
}

/** What a task sees of an environment, and what of it goes into its hash. */
export interface SelectedEnvironment {
  mode: EnvMode;
  /** Variables the task sees (orch then adds its own: PATH entries, `npm_*`, `ORCH_TASK`...). */
  visible: Record<string, string>;
  /** Variables whose values go into the hash; a declared name that is unset is `null`. */
  hashed: Record<string, string | null>;
  /** Names the task sees whose values are not hashed, sorted. */
  unhashed: string[];
  /** The pass-through patterns that applied (the task's, its executor's and the config's), sorted. */
  passThroughEnv: string[];
  /** The framework whose variables were inferred (`Next.js`), and the names it brought in, sorted. */
  inferred?: { framework: string; patterns: string[]; names: string[] };
}

export type EnvSettings = Pick<ResolvedConfig, 'envMode' | 'envModeOverride' | 'globalEnv' | 'globalPassThroughEnv'> & Partial<Pick<ResolvedConfig, 'frameworkInference'>>;

/**
 * The policy for a task: `--env-mode` wins, then the task's `envMode`, then the config's.
 * `passThrough` adds what the executor itself needs (agent credentials), never hashed.
 */
export function envPolicy(metadata: Pick<CommandMetadata, 'env' | 'passThroughEnv' | 'envMode' | 'framework'>, settings: EnvSettings, passThrough: readonly string[] = []): EnvPolicy {
  const framework = settings.frameworkInference === false ? undefined : frameworkBySlug(metadata.framework);
  return {
    ...(framework ? { framework } : {}),
    mode: settings.envModeOverride ?? metadata.envMode ?? settings.envMode,
    env: metadata.env ?? [],
    passThroughEnv: passThrough.length > 0 ? [...(metadata.passThroughEnv ?? []), ...passThrough] : (metadata.passThroughEnv ?? []),
    globalEnv: settings.globalEnv,
    globalPassThroughEnv: settings.globalPassThroughEnv,
  };
}

/**
 * Selects a task's environment from `source` (orch's own environment), as Turborepo's
 * environment modes do (docs/configuration.md#environment):
 *
 * - `strict`: the task sees the base set ({@link BASE_ENV}), its `env` and the config's
 *   `globalEnv` (both hashed), and its `passThroughEnv` and `globalPassThroughEnv` (not hashed).
 *   Nothing else reaches it, so nothing else can change what it builds.
 * - `loose`: the task sees everything; every variable is hashed except the volatile ones
 *   ({@link VOLATILE_ENV}), those named by `passThroughEnv`/`globalPassThroughEnv`, and those an
 *   `env`/`globalEnv` exclusion (`!NAME`) names.
 *
 * In both modes a declared name without wildcards that is unset is hashed as `null`, so setting
 * it later changes the hash. The variables of the package's framework (`policy.framework`:
 * `NEXT_PUBLIC_*` for Next.js) count as declared in `env` unless an `env`/`globalEnv` exclusion
 * names them, as Turborepo's framework inference does. Pure: the same source and policy give
 * the same result.
 */
export function selectTaskEnvironment(source: Readonly<Record<string, string | undefined>>, policy: EnvPolicy): SelectedEnvironment {
  const env = envPatternMatcher(policy.env);
  const globalEnv = envPatternMatcher(policy.globalEnv);
  const passThrough = envPatternMatcher(policy.passThroughEnv);
  const globalPassThrough = envPatternMatcher(policy.globalPassThroughEnv);
  const base = envPatternMatcher(BASE_ENV);
  const volatile = envPatternMatcher(VOLATILE_ENV);
  const strict = policy.mode === 'strict';
  const inferredPatterns = policy.framework ? frameworkEnv(policy.framework, source) : [];
  const inferred = envPatternMatcher(inferredPatterns);
  const inferredNames: string[] = [];

  // Names are the environment's and the user's own text: `constructor` is a variable like any other.
  const visible: Record<string, string> = nameTable();
  const hashed: Record<string, string | null> = nameTable();
  const unhashed: string[] = [];
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value === undefined) continue;
    if (env.matches(name) || globalEnv.matches(name)) {
      visible[name] = value;
      hashed[name] = value;
      continue;
    }
    if (inferred.matches(name) && !env.excludes(name) && !globalEnv.excludes(name)) {
      visible[name] = value;
      hashed[name] = value;
      inferredNames.push(name);
      continue;
    }
    const declaredUnhashed = passThrough.matches(name) || globalPassThrough.matches(name);
    if (strict ? declaredUnhashed || base.matches(name) : true) visible[name] = value;
    else continue;
    if (strict || declaredUnhashed || volatile.matches(name) || env.excludes(name) || globalEnv.excludes(name)) unhashed.push(name);
    else hashed[name] = value;
  }
  for (const name of [...env.names, ...globalEnv.names]) if (!Object.hasOwn(hashed, name) && !env.excludes(name) && !globalEnv.excludes(name)) hashed[name] = null;
  const passThroughEnv = [...new Set([...policy.passThroughEnv, ...policy.globalPassThroughEnv])].sort();
  return {
    mode: policy.mode,
    visible,
    hashed,
    unhashed: unhashed.sort(),
    passThroughEnv,
    ...(policy.framework ? { inferred: { framework: policy.framework.name, patterns: inferredPatterns, names: inferredNames.sort() } } : {}),
  };
}

let inherited: Readonly<Record<string, string | undefined>> | undefined;
perInvocation(() => (inherited = undefined));

/**
 * orch's own environment, read once: every `process.env` access crosses into the C++ layer, and
 * a run selects from it for every task twice (hash, executor). orch does not change its
 * environment after start-up (the daemon sets each invocation's before it starts: `perInvocation`).
 */
export function inheritedEnvironment(): Readonly<Record<string, string | undefined>> {
  return (inherited ??= Object.freeze({ ...process.env }));
}
