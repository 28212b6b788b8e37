import picomatch from 'picomatch';

/** orch's own config files. */
const CONFIG_FILES = ['orchestrator.config.{ts,mts,cts,js,mjs,cjs,json,yaml,yml}', '.orchrc*'];

/**
 * Files whose change affects every task: `orch affected` lists every project and command, and
 * every task's hash includes them (the config files excepted, below): the shared TypeScript
 * base, the workspace layout and the package manager's and Node's settings. Config
 * `globalInputs` adds to them, as Turborepo's `globalDependencies` and Nx's `sharedGlobals` do.
 */
export const DEFAULT_GLOBAL_INPUTS = [...CONFIG_FILES, 'tsconfig.base.json', 'pnpm-workspace.yaml', '.npmrc', '.nvmrc', '.node-version'];

/**
 * Whether a path (relative to the workspace root) is a global input, with the config's
 * `globalInputs`. `{ config: false }` leaves out orch's config files, as the hash does: what of
 * the config a task runs with is in its definition (targets, commands, agent), which the hash
 * takes precisely, so changing `concurrency` or the remote cache settings keeps every hit (as
 * Turborepo hashes task definitions, not turbo.json); `orch affected` cannot tell which part
 * changed, so it counts the file for everything: it lists more than the hash changes for, never
 * less.
 */
export function globalInputMatcher(extra: readonly string[] = [], options: { config?: boolean } = {}): (path: string) => boolean {
  const defaults = options.config === false ? DEFAULT_GLOBAL_INPUTS.filter((glob) => !CONFIG_FILES.includes(glob)) : DEFAULT_GLOBAL_INPUTS;
  return picomatch([...defaults, ...extra], { dot: true });
}
