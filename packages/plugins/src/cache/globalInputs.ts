import { pathMatcher } from './pathMatcher.js';

/**
 * Files whose change affects every task: `orch affected` lists every project and command, and
 * every task's hash includes them: the shared TypeScript base, the workspace layout and the
 * package manager's and Node's settings. Config `globalInputs` adds to them, as Turborepo's
 * `globalDependencies` and Nx's `sharedGlobals` do. orch's own config file is not a file input:
 * its settings are, through `configFingerprint`, in the hash and in `orch affected` alike.
 */
export const DEFAULT_GLOBAL_INPUTS = ['tsconfig.base.json', 'pnpm-workspace.yaml', '.npmrc', '.nvmrc', '.node-version'];

/** Whether a path (relative to the workspace root) is a global input, with the config's `globalInputs`. */
export function globalInputMatcher(extra: readonly string[] = []): (path: string) => boolean {
  return pathMatcher([...DEFAULT_GLOBAL_INPUTS, ...extra]);
}
