/**
 * An entry of @orch/plugins (`@orch/plugins/inspect`) for commands that run no task (`orch
 * affected --list`, `show`, the run scope of `list` and `graph`): what they use, without the
 * run-time code the main entry exports with it (executors, caches, sessions, reporters), so
 * they start without loading it (issue 13). The preset has its own entry,
 * `@orch/plugins/preset`. Everything here is exported by the main entry too.
 */
export { changedFiles } from './affected/changedFiles.js';
export type { ChangeSet } from './affected/changedFiles.js';
export { computeAffected } from './affected/affected.js';
export { projectFilter } from './affected/projectFilter.js';
export { filterPackages } from './affected/filterPackages.js';
export { parseSelector } from './affected/packageSelector.js';
export { includedFiles } from './markdown/includedFiles.js';
export { renderPrompt } from './agents/renderPrompt.js';
export { commandShellLines } from './agents/runShellLines.js';
