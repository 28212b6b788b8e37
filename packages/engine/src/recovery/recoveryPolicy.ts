import type { CommandMetadata, RecoverySpec, RetryPolicy } from '../commands/CommandDefinition.js';
import type { PipelineStage } from '../Engine.js';
import { parseDuration } from '../parseDuration.js';

/**
 * The reference design's strategy for a failure at each stage when nothing else is declared:
 * dependency validation → retry, quality gates → manual intervention, execution → rollback,
 * validation → partial recovery, anything else → manual intervention.
 */
export const DEFAULT_STRATEGIES: Readonly<Partial<Record<PipelineStage, string>>> = {
  dependencies: 'retry',
  preGates: 'manual-intervention',
  qaGates: 'manual-intervention',
  execute: 'rollback',
  postValidate: 'partial-recovery',
};
export const FALLBACK_STRATEGY = 'manual-intervention';

/** Stages a `recovery:` map may name, plus `default` for the rest. */
export const RECOVERY_KEYS = ['dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist', 'default'] as const;

/** Used when the chosen strategy is `retry` and no `retry:` policy is declared. */
export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'nonRetryable'>> & { nonRetryable: (number | string)[] } = {
  maxAttempts: 3,
  initialInterval: 1000,
  backoffCoefficient: 2,
  maximumInterval: 30_000,
  jitter: true,
  nonRetryable: [],
};

/**
 * The strategy for a failure of `stage`: the command's `recovery:` (one name, or per stage with
 * `default`), then the config's, then — for execution failures of a command that declares
 * `retry:` — retry, then the stage's default.
 */
export function strategyFor(stage: PipelineStage, metadata: Pick<CommandMetadata, 'recovery' | 'retry'>, configured?: RecoverySpec): string {
  for (const spec of [metadata.recovery, configured]) {
    const chosen = pick(spec, stage);
    if (chosen) return chosen;
  }
  if (stage === 'execute' && metadata.retry) return 'retry';
  return DEFAULT_STRATEGIES[stage] ?? FALLBACK_STRATEGY;
}

function pick(spec: RecoverySpec | undefined, stage: PipelineStage): string | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'string') return spec;
  return spec[stage] ?? spec.default;
}

/** Milliseconds to wait before attempt `attempt + 1`, after attempt `attempt` failed. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const initial = policy.initialInterval ?? DEFAULT_RETRY.initialInterval;
  const coefficient = policy.backoffCoefficient ?? DEFAULT_RETRY.backoffCoefficient;
  const maximum = policy.maximumInterval ?? DEFAULT_RETRY.maximumInterval;
  const delay = Math.min(maximum, initial * coefficient ** (attempt - 1));
  // Full jitter would make short delays shorter still; this keeps at least half the delay.
  return Math.round((policy.jitter ?? DEFAULT_RETRY.jitter) ? delay / 2 + (random() * delay) / 2 : delay);
}

/** A `retry:` value as written (a number of retries, or a policy with durations) → a policy, or a problem. */
export function normaliseRetry(value: number | Record<string, unknown>): { policy?: RetryPolicy; problems: { key: string; message: string }[] } {
  if (typeof value === 'number') return { policy: { maxAttempts: value + 1 }, problems: [] };
  const problems: { key: string; message: string }[] = [];
  const policy: RetryPolicy = { maxAttempts: value.maxAttempts as number };
  for (const key of ['initialInterval', 'maximumInterval'] as const) {
    const raw = value[key] as string | number | undefined;
    if (raw === undefined) continue;
    const ms = parseDuration(raw);
    if (ms === undefined) problems.push({ key, message: `retry.${key}: expected a duration such as 1s or 500ms, found '${String(raw)}'` });
    else policy[key] = ms;
  }
  if (value.backoffCoefficient !== undefined) policy.backoffCoefficient = value.backoffCoefficient as number;
  if (value.jitter !== undefined) policy.jitter = value.jitter as boolean;
  if (value.nonRetryable !== undefined) policy.nonRetryable = value.nonRetryable as (number | string)[];
  return { policy, problems };
}
