import { definePlugin } from '@orch/engine';
import { inputGlobDiagnostics } from './inputGlobDiagnostics.js';
import { outputGlobDiagnostics } from './outputGlobDiagnostics.js';
import { WorkspaceCache } from '../state/WorkspaceCache.js';

const PLUGIN_NAME = 'orch:input-globs';

/**
 * Inputs the hash cannot take (a glob that leaves the workspace, an absolute path) are errors
 * where they are written, and outputs that cover files git tracks are warnings there (FINDINGS-R2
 * #9), found at discovery so `orch validate` reports them. Apart from the
 * local cache, which is a run-time plugin loaded only when tasks run.
 */
export function inputGlobsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discovered.tapPromise(PLUGIN_NAME, async (registry) => {
        for (const diagnostic of inputGlobDiagnostics(registry, engine.config)) registry.report(diagnostic);
        for (const diagnostic of outputGlobDiagnostics(registry, engine.config)) registry.report(diagnostic);
        // What git said is kept for the next start (trackedFiles).
        await WorkspaceCache.open(engine.config.root, engine.config.stateDir).save();
      });
    },
  });
}
