import { join } from 'node:path';
import { definePlugin, OrchError } from '@orch/engine';
import { TaskHistory } from '../state/TaskHistory.js';

const PLUGIN_NAME = 'orch:dependencies';

/**
 * Stage 4, dependencies: a dependency run in this session must not have been cancelled; with
 * `--only`, a dependency outside the run counts as satisfied only if it completed before
 * (a completion marker exists). Otherwise: "unsatisfied dependency X, run `orch run X`".
 */
export function dependenciesPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const history = new TaskHistory(join(engine.config.root, engine.config.stateDir));
      engine.hooks.dependencies.tapPromise(PLUGIN_NAME, async (task) => {
        for (const [id, status] of task.dependencies) {
          if (status === 'cancelled' || status === 'skipped') throw new OrchError('stage-failed', `dependency ${id} did not run (${status})`);
        }
        if (!task.only) return;
        const unsatisfied: string[] = [];
        for (const id of task.outsideDependencies) if (!(await history.readMarker(id))) unsatisfied.push(id);
        if (unsatisfied.length > 0) {
          throw new OrchError('stage-failed', `unsatisfied dependenc${unsatisfied.length === 1 ? 'y' : 'ies'} ${unsatisfied.join(', ')}: never completed; run \`orch run ${unsatisfied[0]}\` first, or run without --only`);
        }
      });
    },
  });
}
