import picomatch from 'picomatch';

/**
 * Files whose change affects every task (`orch affected` lists every project and command; every
 * task's hash includes them): orch's config, the shared TypeScript base, the workspace layout and
 * the package manager's and Node's settings. Config `globalInputs` adds to them, as Turborepo's
 * `globalDependencies` and Nx's `sharedGlobals` do.
 */
export const DEFAULT_GLOBAL_INPUTS = ['orchestrator.config.{ts,mts,cts,js,mjs,cjs,json,yaml,yml}', '.orchrc*', 'tsconfig.base.json', 'pnpm-workspace.yaml', '.npmrc', '.nvmrc', '.node-version'];

/** Whether a path (relative to the workspace root) is a global input, with the config's `globalInputs`. */
export function globalInputMatcher(extra: readonly string[] = []): (path: string) => boolean {
  return picomatch([...DEFAULT_GLOBAL_INPUTS, ...extra], { dot: true });
}
