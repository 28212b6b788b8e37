import { definePlugin, OrchError } from '@orch/engine';
import { explainChanges } from '../cache/explainChanges.js';
import { taskHasherFor } from '../cache/taskHasherFor.js';
import { TaskRecords } from '../state/TaskRecords.js';

const PLUGIN_NAME = 'orch:dependencies';

/**
 * Stage 4, dependencies: a dependency run in this session must not have been cancelled; with
 * `--only`, a dependency outside the run counts as satisfied only if it completed before and
 * its marker's hash still matches its inputs. Otherwise: "unsatisfied dependency X: inputs
 * changed since it last ran (changed: src/a.ts), run `orch run X`".
 */
export function dependenciesPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const records = TaskRecords.of(engine);
      engine.hooks.dependencies.tapPromise(PLUGIN_NAME, async (task) => {
        for (const [id, status] of task.dependencies) {
          if (status === 'cancelled' || status === 'skipped') throw new OrchError('stage-failed', `dependency ${id} did not run (${status})`, { details: { kind: 'dependency-not-run' } });
        }
        if (!task.only) return;
        const unsatisfied: string[] = [];
        for (const id of task.outsideDependencies) {
          const marker = await records.get('completed', id);
          if (!marker) {
            unsatisfied.push(`${id}: never completed`);
            continue;
          }
          if (!marker.hash) continue;
          const now = await taskHasherFor(engine, task).hash(id);
          if (now.hash === marker.hash) continue;
          const changes = explainChanges((await records.get('hash', id))?.inputs, now.inputs, now.ignored, now.linkedFrom);
          unsatisfied.push(`${id}: inputs changed since it last ran (${changes.slice(0, 3).join(', ')}${changes.length > 3 ? ', …' : ''})`);
        }
        if (unsatisfied.length > 0) {
          const first = unsatisfied[0]!.slice(0, unsatisfied[0]!.indexOf(':'));
          throw new OrchError('stage-failed', `unsatisfied dependenc${unsatisfied.length === 1 ? 'y' : 'ies'} ${unsatisfied.join('; ')}; run \`orch run ${first}\` first, or run without --only`);
        }
      });
    },
  });
}
