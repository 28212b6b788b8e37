import { resolve } from 'node:path';
import { DEFAULT_RETRY, OrchError, RAN_ON_WORKER, strategyFor, type CommandRegistry, STAGE_ORDER, type Engine, type ExecutionResult, type PlannedTask, type TaskContext } from '@orch/engine';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { headCommit, jobIdFor, planDigest, queueName, RUN_KEYS, type DistributedJob, type JobProgress, type JobResult, type RunDescription } from './DistributedJob.js';
import { QUEUE_PREFIX, type QueueLocation } from './queueConnection.js';
import { queueTimeout, reachQueue, unreachable } from './reachQueue.js';

const PLUGIN_NAME = 'orch:distributed';
const EXECUTOR = 'distributed';


/** How long a cancelled job's worker has to end the task and say so (ms). */
const CANCEL_WAIT_MS = 30_000;

export interface CoordinatorOptions {
  location: QueueLocation;
  sessionId: string;
  plan: readonly PlannedTask[];
  commands: CommandRegistry['commands'];
  /** The task ids the run was asked for, and `--only`. */
  roots: readonly string[];
  only: boolean;
  /** `--local`: this process also runs tasks, up to `concurrency` at once. */
  local: boolean;
  concurrency: number;
  /** `--workers-min`: no job is queued before this many workers are connected. */
  workersMin: number;
  /** The run's stop signal (Ctrl-C, SIGTERM): it also ends the first wait for the queue. */
  signal?: AbortSignal;
}

/** A job the coordinator waits for. */
interface Waiter {
  task: TaskContext;
  worker?: string;
  progress(data: JobProgress): void;
  settle(result: JobResult | Error): void;
}

/**
 * The coordinator of `orch run --distribute` (issue 16): the run plans and schedules as a local
 * run does; a task the caches do not answer is deployed to the `distributed` executor, which
 * queues it as a BullMQ job once its dependencies finished, streams the worker's output with the
 * worker's name, and on success restores the outputs the worker uploaded from the remote cache,
 * so the tree ends as after a local run. The worker ran the gates after execution, so they are
 * not run again here; its retry policy was applied as the job's attempts.
 */
export class Coordinator {
  private readonly waiters = new Map<string, Waiter>();
  /** `--local`: the tasks this process chose to run itself, running now. */
  private readonly runningHere = new Set<string>();
  private lostSince: number | undefined;
  private lost: Error | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private workersSeen: Promise<void> | undefined;
  /** The run is over (`close`): its keys going is not a lost queue. */
  private closed = false;
  private requeuing = false;
  /** What each idle worker said, as last warned about. */
  private readonly idleSaid = new Map<string, string>();
  /** Tasks this process runs: not cacheable, or depending on one (a worker could not restore its outputs). */
  private readonly pinned: ReadonlySet<string>;

  private constructor(
    private readonly engine: Engine,
    private readonly options: CoordinatorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly client: Redis,
    readonly name: string,
  ) {
    this.pinned = pinnedTasks(options.commands, options.plan);
  }

  /**
   * Connects to the queue, records the run for the workers and taps the engine. Refuses a run
   * without a remote cache it can read (the outputs travel through it).
   */
  static async start(engine: Engine, options: CoordinatorOptions): Promise<Coordinator> {
    requireRemoteCache(engine);
    const { Queue, QueueEvents } = await import('bullmq');
    const name = queueName(options.sessionId);
    const timeout = queueTimeout();
    const location = await reachQueue(options.location, timeout, (message) => engine.emit({ type: 'warning', message, source: PLUGIN_NAME }), options.signal);
    options = { ...options, location };
    const connection = { ...location.connection, connectionName: `orch-coordinator-${options.sessionId}` };
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
    const coordinator = new Coordinator(engine, options, queue, events, client, name);
    await coordinator.announce();
    coordinator.listen();
    coordinator.tap();
    return coordinator;
  }

  /** Records the run (commit, plan digest) and tells the workers it is there. */
  private async announce(): Promise<void> {
    const description: RunDescription = { commit: headCommit(this.engine.config.root), planDigest: planDigest(this.options.plan), roots: [...this.options.roots], only: this.options.only };
    await this.client.set(RUN_KEYS.run(this.name), JSON.stringify(description));
    await this.client.sadd(RUN_KEYS.runs, this.name);
    await this.client.publish(RUN_KEYS.runs, this.name);
  }

  private listen(): void {
    const { events } = this;
    events.on('progress', ({ jobId, data }) => this.waiters.get(jobId)?.progress(data as JobProgress));
    events.on('completed', ({ jobId, returnvalue }) => this.waiters.get(jobId)?.settle(parseResult(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => void this.failed(jobId, failedReason));
    events.on('stalled', ({ jobId }) => {
      const waiter = this.waiters.get(jobId);
      if (!waiter) return;
      this.engine.emit({ type: 'warning', message: `${waiter.task.id}: worker ${waiter.worker ?? '?'} stopped answering (its job lock expired): the queue gave the job back, and it runs again`, source: PLUGIN_NAME });
    });
    const limit = queueTimeout();
    this.watchdog = setInterval(() => {
      const up = this.client.status === 'ready';
      if (up) this.lostSince = undefined;
      else this.lostSince ??= Date.now();
      if (this.lostSince !== undefined && Date.now() - this.lostSince >= limit && !this.lost) {
        this.lost = lostQueue(this.options.location, this.name, limit);
        for (const waiter of this.waiters.values()) waiter.settle(this.lost);
      }
      if (up) void this.sayIdle().then(() => this.requeueIfLost());
    }, 500);
    this.watchdog.unref();
  }

  /** Warns once of each worker that takes none of this run's jobs (another commit, uncommitted changes), and why. */
  private async sayIdle(): Promise<void> {
    const idle = await this.client.hgetall(RUN_KEYS.idle(this.name)).catch(() => ({}) as Record<string, string>);
    for (const [worker, why] of Object.entries(idle)) {
      if (this.idleSaid.get(worker) === why) continue;
      this.idleSaid.set(worker, why);
      this.engine.emit({ type: 'warning', message: `${why}; it takes none of this run's jobs, which wait for a worker at this commit`, source: PLUGIN_NAME });
    }
  }

  /**
   * A Redis restarted without its data (no persistence, a failover) lost the run: its
   * description, its jobs and their results. The run is announced again and every task still
   * waited for is queued again (a worker that already ran it answers from the cache), instead
   * of waiting for a result that can no longer come (findings 16 #3).
   */
  private async requeueIfLost(): Promise<void> {
    if (this.closed || this.requeuing || this.lost) return;
    if ((await this.client.exists(RUN_KEYS.run(this.name)).catch(() => 1)) === 1 || this.closed) return;
    this.requeuing = true;
    try {
      this.engine.emit({ type: 'warning', message: `the queue ${this.options.location.url} (${this.name}) lost this run (Redis restarted without its data): queuing the ${this.waiters.size} unfinished tasks again`, source: PLUGIN_NAME });
      await this.announce();
      for (const [jobId, waiter] of this.waiters) {
        await this.enqueue(waiter.task, jobId).then(
          (done) => done && waiter.settle(done),
          (error: Error) => waiter.settle(error),
        );
      }
    } catch {
      // The connection went again: the next tick tries again.
    } finally {
      this.requeuing = false;
    }
  }

  /** A job BullMQ gave up on: out of attempts, or refused by a worker (another commit or plan). */
  private async failed(jobId: string, reason: string): Promise<void> {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    const state = await job?.getState().catch(() => undefined);
    // A failed attempt with attempts left goes back to waiting (or delayed): not the end.
    if (state && state !== 'failed') return;
    waiter.settle(new OrchError('stage-failed', reason));
  }

  private tap(): void {
    const { hooks } = this.engine;
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 10 }, async (task) => {
      if (!this.distributable(task)) return undefined;
      if (this.options.local && this.runningHere.size < this.options.concurrency) {
        this.runningHere.add(task.id);
        return undefined;
      }
      return { executor: EXECUTOR };
    });
    hooks.execute.for(EXECUTOR).tapPromise(PLUGIN_NAME, (task) => this.runOnWorker(task));
    // The worker applied the task's recovery; a failure it reports is final (and says it all:
    // a decision with no message is not printed).
    hooks.recover.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 100 }, (failure) =>
      failure.stage === 'execute' && failure.task.executor === EXECUTOR ? { strategy: 'none', action: 'fail', message: '' } : undefined,
    );
    hooks.event.tap(PLUGIN_NAME, (event) => {
      if (event.type === 'task-finished') this.runningHere.delete(event.outcome.id);
    });
    // What this process ran is uploaded before anything that depends on it is queued.
    hooks.persist.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.late + 10 }, async (task) => {
      const { REMOTE_UPLOAD } = await import('@orch/plugins');
      await (task.data.get(REMOTE_UPLOAD) as Promise<void> | undefined);
    });
    hooks.shutdown.tapPromise(PLUGIN_NAME, () => this.close());
  }

  private distributable(task: TaskContext): boolean {
    return task.command.metadata.cache !== false && task.data.get('orch:hash-provisional') !== true && typeof task.data.get('orch:hash') === 'string' && !this.pinned.has(task.id);
  }

  /** Queues the task, waits for a worker to run it, and restores its outputs from the remote cache. */
  private async runOnWorker(task: TaskContext): Promise<ExecutionResult> {
    if (this.lost) throw this.lost;
    await (this.workersSeen ??= this.waitForWorkers(task.signal));
    const started = performance.now();
    if (task.signal.aborted) return { exitCode: 1, durationMs: 0, message: 'interrupted', kind: 'error' };
    const jobId = jobIdFor(task.id, task.attempt);
    const result = await new Promise<JobResult | Error>((settle) => {
      const waiter: Waiter = {
        task,
        progress: (data) => {
          if (data.kind === 'started') {
            waiter.worker = data.worker;
            if (data.attempt > 1) this.engine.emit({ type: 'warning', message: `${task.id}: attempt ${data.attempt} on worker ${data.worker}`, source: PLUGIN_NAME });
          } else {
            task.output(data.stream, prefixLines(data.text, waiter.worker ?? 'worker'));
          }
        },
        settle: (value) => {
          this.waiters.delete(jobId);
          task.signal.removeEventListener('abort', onAbort);
          settle(value);
        },
      };
      const onAbort = (): void => void this.cancel(jobId, waiter);
      this.waiters.set(jobId, waiter);
      task.signal.addEventListener('abort', onAbort, { once: true });
      this.enqueue(task, jobId).then(
        (done) => done && waiter.settle(done),
        (error: Error) => waiter.settle(error),
      );
    });
    const durationMs = performance.now() - started;
    if (result instanceof Error) return { exitCode: 1, durationMs, message: task.signal.aborted ? 'interrupted' : result.message, kind: 'error' };
    task.data.set(RAN_ON_WORKER, { worker: result.worker, ...(result.cached ? { cached: result.cached } : {}) });
    if (result.status !== 'succeeded') {
      const why = result.error ?? result.status;
      return { exitCode: result.exitCode ?? 1, durationMs: result.durationMs, message: `on worker ${result.worker}: ${why}`, kind: 'error' };
    }
    await this.restore(task, result);
    return { exitCode: 0, durationMs: result.durationMs };
  }

  /** Adds the job, or reattaches to it (`orch resume`); a job that already succeeded is its own answer. */
  private async enqueue(task: TaskContext, jobId: string): Promise<JobResult | undefined> {
    const existing = (await this.queue.getJob(jobId)) as Job<DistributedJob, JobResult> | undefined;
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

  /** Ctrl-C (or the task's time limit): a waiting job is removed, a running one is ended on its worker. */
  private async cancel(jobId: string, waiter: Waiter): Promise<void> {
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    const state = await job?.getState().catch(() => undefined);
    if (job && state !== 'active') {
      const removed = await job.remove().then(() => true, () => false);
      if (removed) return waiter.settle(new Error('interrupted'));
    }
    await this.client.publish(RUN_KEYS.cancel(this.name), jobId).catch(() => undefined);
    const timer = setTimeout(() => waiter.settle(new Error(`interrupted; worker ${waiter.worker ?? '?'} did not say it stopped within ${CANCEL_WAIT_MS / 1000}s`)), CANCEL_WAIT_MS);
    timer.unref();
  }

  /** Puts the worker's outputs in place: the remote cache entry, restored as a remote hit is. */
  private async restore(task: TaskContext, result: JobResult): Promise<void> {
    const { LocalCache, downloadEntry, remoteCacheClient, restoreEntry } = await import('@orch/plugins');
    const settings = this.engine.config.cache;
    const local = new LocalCache(resolve(this.engine.config.root, settings.dir));
    const hash = result.hash ?? (task.data.get('orch:hash') as string);
    const remote = remoteCacheClient(settings)!;
    const fail = (why: string): never => {
      throw new OrchError('stage-failed', `${task.id} ran on worker ${result.worker}, but ${why}`, { hint: 'check that every worker writes to the remote cache (cache.remote, --cache=remote:rw) with the same signing key' });
    };
    const found = (await local.get(hash)) ?? ((await downloadEntry(local, remote, hash).catch((error: Error) => fail(`its outputs could not be downloaded: ${error.message}`))) ? await local.get(hash) : undefined);
    if (!found) fail(`the remote cache has no entry for its hash ${hash.slice(0, 12)}`);
    if (!(await restoreEntry(this.engine, task, local, hash, 'remote', found))) fail('its outputs could not be restored here');
  }

  /** `--workers-min`: waits until that many workers are connected (their heartbeat keys). */
  private async waitForWorkers(signal: AbortSignal): Promise<void> {
    let told = false;
    for (;;) {
      const count = await countKeys(this.client, RUN_KEYS.workerPattern);
      if (count >= this.options.workersMin || signal.aborted) return;
      if (!told) this.engine.emit({ type: 'warning', message: `waiting for ${this.options.workersMin} workers on ${this.options.location.url} (${count} connected)`, source: PLUGIN_NAME });
      told = true;
      await new Promise((done) => setTimeout(done, 500));
    }
  }

  /** The run is over: its queue and everything in it goes, and workers stop serving it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    for (const waiter of this.waiters.values()) waiter.settle(new Error('the run ended'));
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

/**
 * The task's retry policy as BullMQ attempts and exponential backoff, when its execution failures
 * are retried (`strategyFor`: its `recovery`, or `retry` for a task that declares `retry:`);
 * else one attempt. A failed attempt goes back to the queue, possibly to another worker.
 */
function jobAttempts(task: TaskContext, engine: Engine): { attempts: number; backoff?: { type: 'exponential'; delay: number } } {
  if (strategyFor('execute', task.command.metadata, engine.config.recovery) !== 'retry') return { attempts: 1 };
  const policy = task.command.metadata.retry ?? engine.config.retry ?? DEFAULT_RETRY;
  const delay = policy.initialInterval ?? DEFAULT_RETRY.initialInterval;
  return { attempts: Math.max(1, policy.maxAttempts), ...(delay > 0 ? { backoff: { type: 'exponential', delay } } : {}) };
}

/** Refuses distribution without a remote cache this process can read (the outputs travel through it). */
function requireRemoteCache(engine: Engine): void {
  const remote = engine.config.cache.remote;
  if (!remote || !remote.access.includes('r')) {
    throw new OrchError('usage', '--distribute needs a remote cache: workers send the outputs of the tasks they run through it', {
      hint: remote ? 'run without --cache=remote:off or remote:w (the coordinator reads the workers\' outputs)' : 'configure cache.remote in orchestrator.config (docs/caching.md#remote-cache) for the coordinator and every worker',
    });
  }
}

/** The tasks the cache cannot carry (`cache: false`), and every task that depends on one, directly or not. */
function pinnedTasks(commands: CommandRegistry['commands'], plan: readonly PlannedTask[]): Set<string> {
  const pinned = new Set(plan.filter((task) => commands.get(task.id)?.metadata.cache === false).map((task) => task.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const task of plan) {
      if (!pinned.has(task.id) && task.dependencies.some((id) => pinned.has(id))) {
        pinned.add(task.id);
        grew = true;
      }
    }
  }
  return pinned;
}


function lostQueue(location: QueueLocation, name: string, ms: number): OrchError {
  return new OrchError('stage-failed', `the queue ${location.url} (${name}) could not be reached for ${Math.round(ms / 1000)}s`, {
    hint: 'check that Redis runs there and this machine reaches it (redis-cli -u <url> ping); `orch resume` continues the run',
  });
}

function parseResult(value: unknown): JobResult | Error {
  try {
    return (typeof value === 'string' ? JSON.parse(value) : value) as JobResult;
  } catch {
    return new Error('a worker sent a result that is not JSON');
  }
}

/** Every line of a chunk (workers send whole lines) with the worker's name in front. */
function prefixLines(text: string, worker: string): string {
  return text.replace(/^(?=.)/gm, `[${worker}] `);
}

async function countKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}
