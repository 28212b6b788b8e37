import { DEFAULT_RETRY, strategyFor, type Engine, type TaskContext } from '@orch/engine';

/**
 * The task's retry policy as BullMQ attempts and exponential backoff, when its execution failures
 * are retried (`strategyFor`: its `recovery`, or `retry` for a task that declares `retry:`);
 * else one attempt. A failed attempt goes back to the queue, possibly to another worker.
 */
export function jobAttempts(task: TaskContext, engine: Engine): { attempts: number; backoff?: { type: 'exponential'; delay: number } } {
  if (strategyFor('execute', task.command.metadata, engine.config.recovery) !== 'retry') return { attempts: 1 };
  const policy = task.command.metadata.retry ?? engine.config.retry ?? DEFAULT_RETRY;
  const delay = policy.initialInterval ?? DEFAULT_RETRY.initialInterval;
  return { attempts: Math.max(1, policy.maxAttempts), ...(delay > 0 ? { backoff: { type: 'exponential', delay } } : {}) };
}
