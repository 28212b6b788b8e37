import { DEFAULT_RETRY, definePlugin, retryDelay, formatMs } from '@orch/engine';

const PLUGIN_NAME = 'orch:retry';

/**
 * The `retry` strategy: the failed stage again after a backoff (`initialInterval` ×
 * `backoffCoefficient`^n, at most `maximumInterval`, with jitter), up to `maxAttempts`. Exit codes
 * and failure kinds in `nonRetryable` give up at once, as does a dependency that did not run.
 */
export function retryStrategyPlugin(options: { random?: () => number } = {}) {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.recover.tap(PLUGIN_NAME, (failure) => {
        if (failure.strategy !== 'retry') return undefined;
        const policy = failure.task.command.metadata.retry ?? engine.config.retry ?? DEFAULT_RETRY;
        const nonRetryable = policy.nonRetryable ?? [];
        if (failure.kind === 'dependency-not-run' || nonRetryable.includes(failure.kind) || (failure.exitCode !== undefined && nonRetryable.includes(failure.exitCode))) {
          return { strategy: 'retry', action: 'fail', message: `not retryable (${failure.exitCode !== undefined && nonRetryable.includes(failure.exitCode) ? `exit code ${failure.exitCode}` : failure.kind})` };
        }
        if (failure.attempt >= policy.maxAttempts) return { strategy: 'retry', action: 'fail', message: `gave up after ${failure.attempt} attempt${failure.attempt === 1 ? '' : 's'}` };
        const delayMs = retryDelay(policy, failure.attempt, options.random);
        return { strategy: 'retry', action: 'retry', delayMs, fromStage: failure.stage, message: `attempt ${failure.attempt + 1} of ${policy.maxAttempts} in ${formatMs(delayMs)}` };
      });
    },
  });
}
