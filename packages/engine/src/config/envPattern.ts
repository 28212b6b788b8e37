import * as v from 'valibot';

/** How a task's environment is built: see docs/configuration.md#environment. */
export type EnvMode = 'strict' | 'loose';

/** The environment modes, for validation and `--env-mode`. */
export const ENV_MODES: readonly EnvMode[] = ['strict', 'loose'];

/**
 * Whether `text` is an environment variable pattern as Turborepo writes them: a name, `*`
 * wildcards (`MY_APP_*`), and an optional leading `!` that excludes (`!MY_APP_SECRET`). Names are
 * written without `$`; `=`, spaces and control characters cannot be part of a name.
 */
export function isEnvPattern(text: string): boolean {
  return /^!?[^\s=$!\p{Cc}][^\s=\p{Cc}]*$/u.test(text) && !text.slice(1).includes('!');
}

/** One entry of `env`, `passThroughEnv`, `globalEnv` or `globalPassThroughEnv`. */
export const envPatternSchema = v.pipe(
  v.string(),
  v.check(isEnvPattern, 'a variable name (NODE_ENV), a wildcard (MY_APP_*) or an exclusion (!MY_APP_SECRET), written without $'),
);
