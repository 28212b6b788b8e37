/**
 * `runHere`, loaded as the whole program: in the bundle this module is `bundle/runWhole.js`, every
 * module orch may run bundled into one file, where `runHere`'s chunks are split at each dynamic
 * import (scripts/bundleOrch.mjs; `cli.ts` says which an invocation loads). Unbundled, the same
 * module as `runHere.js`.
 */
export { runHere } from './runHere.js';
