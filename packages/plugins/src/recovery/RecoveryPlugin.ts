import { definePlugin, didYouMean, STAGE_ORDER, strategyFor } from '@orch/engine';

const PLUGIN_NAME = 'orch:recovery';
const BUILT_IN = ['retry', 'rollback', 'partial-recovery', 'manual-intervention', 'none'];

/**
 * Chooses the recovery strategy of each failure (the command's `recovery:`, the target's or the
 * config's, `retry` for execution failures of commands that declare `retry:`, else the stage's
 * default) and sets `failure.strategy`; the strategy plugins answer for their own name. `none`
 * gives up at once; a name no plugin answers for fails the task, saying so.
 */
export function recoveryPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.recover.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.early }, (failure) => {
        failure.strategy ??= strategyFor(failure.stage, failure.task.command.metadata, engine.config.recovery);
        // Nothing done, nothing to say: no `⟲` line, no note on the `✖` line (issue 15, finding 14).
        if (failure.strategy === 'none') return { strategy: 'none', action: 'fail', message: '' };
        return undefined;
      });
      engine.hooks.recover.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.late + 100 }, (failure) => {
        const known = [...BUILT_IN, ...engine.hooks.recover.taps.map((tap) => tap.name)];
        const hint = didYouMean(failure.strategy!, known) ?? `built-in strategies: ${BUILT_IN.join(', ')}`;
        return { strategy: failure.strategy!, action: 'fail', message: `no plugin provides the recovery strategy '${failure.strategy}'; ${hint}` };
      });
    },
  });
}
