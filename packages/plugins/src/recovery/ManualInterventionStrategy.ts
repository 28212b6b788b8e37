import { definePlugin } from '@orch/engine';

const PLUGIN_NAME = 'orch:manual-intervention';

/**
 * The `manual-intervention` strategy: the task stops and the session pauses with status
 * `awaiting-intervention` (exit code 75). The reason and what to do are in the session and the
 * report: fix the cause and `orch resume <id>`, or `orch resume <id> --skip <task>`.
 */
export function manualInterventionPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.recover.tap(PLUGIN_NAME, (failure) => {
        if (failure.strategy !== 'manual-intervention') return undefined;
        const { task } = failure;
        const session = task.sessionId ?? '<session>';
        return {
          strategy: 'manual-intervention',
          action: 'pause',
          message: 'paused for a person',
          reason: `${task.id} failed at ${failure.stage}: ${failure.message}`,
          todo: `fix the cause, then \`orch resume ${session}\` to run ${task.id} again, or \`orch resume ${session} --skip ${task.id}\` to go on without it`,
        };
      });
    },
  });
}
