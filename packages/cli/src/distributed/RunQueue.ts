import { OrchError, type Engine, type TaskContext } from '@orch/engine';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueName, RUN_KEYS, type DistributedJob, type JobProgress, type JobResult, type RunDescription } from './DistributedJob.js';
import { jobAttempts } from './jobAttempts.js';
import { QUEUE_PREFIX, type QueueLocation } from './queueConnection.js';
import { queueTimeout, reachQueue, unreachable } from './reachQueue.js';

const PLUGIN_NAME = 'orch:distributed';

/** How long a cancelled job's worker has to end the task and say so (ms). */
const CANCEL_WAIT_MS = 30_000;

/** A job the coordinator follows: its progress (the worker's name, output lines) and its end. */
export interface JobFollower {
  task: TaskContext;
  worker?: string;
  progress(data: JobProgress): void;
  settle(result: JobResult | Error): void;
}

/**
 * The coordinator's side of a run's BullMQ queue (`run-<session>`): the run's description for
 * the workers, its jobs, and their events, each handed to the job's follower. BullMQ's
 * `QueueEvents` reads the queue's event stream with a blocking `XREAD`, so a result reaches its
 * follower as soon as the worker's completion is written.
 */
export class RunQueue {
  readonly followers = new Map<string, JobFollower>();
  /** The connection was gone for `ORCH_QUEUE_TIMEOUT`: every follower got this error. */
  lost: Error | undefined;

  private constructor(
    private readonly engine: Engine,
    readonly location: QueueLocation,
    readonly name: string,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    readonly client: Redis,
    private readonly description: RunDescription,
  ) {}

  /** Connects to the queue, or throws `unreachable` after `ORCH_QUEUE_TIMEOUT` (a signal ends the first wait). */
  static async open(engine: Engine, location: QueueLocation, sessionId: string, description: RunDescription, signal?: AbortSignal): Promise<RunQueue> {
    const { Queue, QueueEvents } = await import('bullmq');
    const name = queueName(sessionId);
    const timeout = queueTimeout();
    location = await reachQueue(location, timeout, (message) => engine.emit({ type: 'warning', message, source: PLUGIN_NAME }), signal);
    const connection = { ...location.connection, connectionName: `orch-coordinator-${sessionId}` };
    const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX });
    const events = new QueueEvents(name, { connection, prefix: QUEUE_PREFIX });
    // Errors surface through the watchdog and the waiting tasks; unhandled they would end the process.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const reached = await Promise.race([ready.then(() => true), new Promise<false>((done) => setTimeout(() => done(false), timeout).unref())]);
    if (!reached) {
      // close() would wait for a connection that never comes: the sockets are dropped instead.
      await Promise.allSettled([queue.disconnect(), events.disconnect()]);
      throw unreachable(location, timeout, undefined);
    }
    const client = (await queue.client) as unknown as Redis;
    const runQueue = new RunQueue(engine, location, name, queue, events, client, description);
    await runQueue.announce();
    runQueue.listen();
    return runQueue;
  }

  /** Records the run (commit, plan digest) and tells the workers it is there. */
  async announce(): Promise<void> {
    await this.client.set(RUN_KEYS.run(this.name), JSON.stringify(this.description));
    await this.client.sadd(RUN_KEYS.runs, this.name);
    await this.client.publish(RUN_KEYS.runs, this.name);
  }

  private listen(): void {
    const { events } = this;
    events.on('progress', ({ jobId, data }) => this.followers.get(jobId)?.progress(data as JobProgress));
    events.on('completed', ({ jobId, returnvalue }) => this.followers.get(jobId)?.settle(parseResult(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => void this.failed(jobId, failedReason));
    events.on('stalled', ({ jobId }) => {
      const follower = this.followers.get(jobId);
      if (!follower) return;
      this.engine.emit({ type: 'warning', message: `${follower.task.id}: worker ${follower.worker ?? '?'} stopped answering (its job lock expired): the queue gave the job back, and it runs again`, source: PLUGIN_NAME });
    });
  }

  /** A job BullMQ gave up on: out of attempts, or refused by a worker (another commit or plan). */
  private async failed(jobId: string, reason: string): Promise<void> {
    const follower = this.followers.get(jobId);
    if (!follower) return;
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    const state = await job?.getState().catch(() => undefined);
    // A failed attempt with attempts left goes back to waiting (or delayed): not the end.
    if (state && state !== 'failed') return;
    follower.settle(new OrchError('stage-failed', reason));
  }

  /**
   * Adds the task's job, or reattaches to it (`orch resume`, a queue that lost the run: `seen`,
   * the queue may hold it); a job that already succeeded is its own answer. A new run's jobs are
   * new: they are added without a look first (one round trip fewer per task).
   */
  async add(task: TaskContext, jobId: string, seen: boolean): Promise<JobResult | undefined> {
    const existing = seen ? ((await this.queue.getJob(jobId)) as Job<DistributedJob, JobResult> | undefined) : undefined;
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' && existing.returnvalue?.status === 'succeeded') return existing.returnvalue;
      if (state !== 'completed' && state !== 'failed') return undefined;
      await existing.remove();
    }
    const data: DistributedJob = { taskId: task.id, hash: task.data.get('orch:hash') as string, args: [...task.args] };
    await this.queue.add(task.id, data, { jobId, ...jobAttempts(task, this.engine) });
    return undefined;
  }

  /** Where the job is, and its result once it ended (a worker may have finished it while no coordinator followed it). */
  async lookup(jobId: string): Promise<{ state: string; result?: JobResult } | undefined> {
    const job = (await this.queue.getJob(jobId).catch(() => undefined)) as Job<DistributedJob, JobResult> | undefined;
    const state = await job?.getState().catch(() => undefined);
    if (!job || !state || state === 'unknown') return undefined;
    return { state, ...(job.returnvalue ? { result: job.returnvalue } : {}) };
  }

  /** Ctrl-C (or the task's time limit): a waiting job is removed, a running one is ended on its worker. */
  async cancel(jobId: string, follower: JobFollower): Promise<void> {
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    const state = await job?.getState().catch(() => undefined);
    if (job && state !== 'active') {
      const removed = await job.remove().then(() => true, () => false);
      if (removed) return follower.settle(new Error('interrupted'));
    }
    await this.client.publish(RUN_KEYS.cancel(this.name), jobId).catch(() => undefined);
    const timer = setTimeout(() => follower.settle(new Error(`interrupted; worker ${follower.worker ?? '?'} did not say it stopped within ${CANCEL_WAIT_MS / 1000}s`)), CANCEL_WAIT_MS);
    timer.unref();
  }

  /** How many keys match `pattern` (the workers' heartbeat keys). */
  async countKeys(pattern: string): Promise<number> {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  }

  /** The run is over: its queue and everything in it goes, and workers stop serving it. */
  async close(): Promise<void> {
    for (const follower of this.followers.values()) follower.settle(new Error('the run ended'));
    if (!this.lost) {
      await this.client.srem(RUN_KEYS.runs, this.name).catch(() => undefined);
      await this.client.del(RUN_KEYS.run(this.name), RUN_KEYS.idle(this.name)).catch(() => undefined);
      // Workers stop serving the queue, and remove what their stall checks write after this.
      await this.client.publish(RUN_KEYS.runs, this.name).catch(() => undefined);
      await this.queue.obliterate({ force: true }).catch(() => undefined);
    }
    // A queue that cannot be reached is not waited for.
    const closed = Promise.allSettled([this.events.close(), this.queue.close()]);
    if (this.lost) {
      await Promise.race([closed, new Promise((done) => setTimeout(done, 1000).unref())]);
      await Promise.allSettled([this.events.disconnect(), this.queue.disconnect()]);
    } else {
      await closed;
    }
  }
}

function parseResult(value: unknown): JobResult | Error {
  try {
    return (typeof value === 'string' ? JSON.parse(value) : value) as JobResult;
  } catch {
    return new Error('a worker sent a result that is not JSON');
  }
}
