import { definePlugin } from '@orch/engine';
import { runShellLine } from '../executors/ShellExecutorPlugin.js';

const PLUGIN_NAME = 'orch:partial-recovery';

/**
 * The `partial-recovery` strategy. An execution that failed at step N runs again from step N
 * (the steps before it are checkpoints). Failed validations run the command's `fixup:` (if it
 * declares one) and then only the gates that failed. Attempts: `retry.maxAttempts`, default 2.
 */
export function partialRecoveryPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.recover.tapPromise(PLUGIN_NAME, async (failure) => {
        if (failure.strategy !== 'partial-recovery') return undefined;
        const { task } = failure;
        const maxAttempts = task.command.metadata.retry?.maxAttempts ?? 2;
        if (failure.attempt >= maxAttempts) return { strategy: 'partial-recovery', action: 'fail', message: `still failing after ${failure.attempt} attempts` };

        if (failure.stage === 'execute') {
          const step = task.result?.failedStep;
          if (step === undefined) return { strategy: 'partial-recovery', action: 'fail', message: 'the task has no steps to resume from' };
          return { strategy: 'partial-recovery', action: 'retry', fromStage: 'execute', fromStep: step, message: `running again from step ${step + 1}` };
        }

        if (failure.verdicts && failure.verdicts.length > 0) {
          const gates = failure.verdicts.map((v) => v.gate);
          const fixup = task.command.metadata.fixup;
          if (fixup) {
            task.output('stderr', `fix-up: ${fixup}\n`);
            const result = await runShellLine(engine, task, fixup);
            if (result.exitCode !== 0) return { strategy: 'partial-recovery', action: 'fail', message: `the fix-up \`${fixup}\` exited with code ${result.exitCode}` };
          }
          return {
            strategy: 'partial-recovery',
            action: 'retry',
            fromStage: failure.stage,
            gates,
            message: `${fixup ? `ran the fix-up \`${fixup}\`; ` : ''}checking again: ${gates.join(', ')}`,
          };
        }
        return { strategy: 'partial-recovery', action: 'fail', message: `nothing to recover partially at the ${failure.stage} stage` };
      });
    },
  });
}
