import { OrchError } from '@orch/engine';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CliIO } from '../CliCommand.js';
import { headCommit, uncommittedFiles, RUN_KEYS, type DistributedJob, type JobProgress, type JobResult, type RunDescription } from './DistributedJob.js';
import { RunCheckout } from './RunCheckout.js';
import { QUEUE_PREFIX, type QueueLocation } from './queueConnection.js';
import { queueTimeout, reachQueue, unreachable } from './reachQueue.js';

export interface QueueWorkerOptions {
  root: string;
  /** The checkout's state folder (config.stateDir), not a change to the checkout. */
  stateDir: string;
  location: QueueLocation;
  /** Shown in the coordinator's output and recorded with each task it runs. */
  name: string;
  /** Jobs run at once, per run served. */
  concurrency: number;
  /** A job whose worker has not renewed its lock for this long (ms) is given back to the queue (BullMQ's stall detection). */
  stallMs: number;
}

/** How often the list of runs is read again, beside the announcements (ms). */
const RUNS_POLL_MS = 2000;
/** A worker's heartbeat key lives this long (ms), renewed every third of it. */
const HEARTBEAT_MS = 9000;
/** Output is sent in batches of whole lines at most this often (ms). */
const OUTPUT_FLUSH_MS = 50;

/**
 * `orch worker`: serves every run announced on the queue (one BullMQ worker per run queue),
 * running each job in this checkout, opened once per run (`RunCheckout`), after checking the
 * run's commit and plan are this checkout's. A job cancelled by its coordinator ends its task's process groups as Ctrl-C does.
 * `stop()` stops taking jobs and lets running ones finish; `stop(true)` hands them back to the
 * queue.
 */
export class QueueWorker {
  private readonly workers = new Map<string, Worker>();
  private readonly running = new Map<string, { controller: AbortController; handBack: boolean }>();
  /** Each served run's checkout, opened once (or why this checkout cannot serve the run). */
  private readonly checkouts = new Map<string, Promise<RunCheckout | string>>();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  /** Runs this checkout takes no jobs of, and why (said once each). */
  private readonly idle = new Map<string, string>();

  private constructor(
    private readonly options: QueueWorkerOptions,
    private readonly io: CliIO,
    private readonly client: Redis,
    private readonly subscriber: Redis,
  ) {}

  static async start(options: QueueWorkerOptions, io: CliIO): Promise<QueueWorker> {
    const { Redis } = await import('ioredis');
    const timeout = queueTimeout();
    const location = await reachQueue(options.location, timeout, (message) => io.stderr(`orch worker: warning: ${message}\n`));
    options = { ...options, location };
    const client = new Redis({ ...location.connection, connectionName: `orch-worker-${options.name}`, lazyConnect: true });
    const subscriber = client.duplicate();
    client.on('error', () => undefined);
    subscriber.on('error', () => undefined);
    await client.connect().catch((error: Error) => {
      throw unreachable(location, timeout, error);
    });
    const worker = new QueueWorker(options, io, client, subscriber);
    await worker.listen();
    return worker;
  }

  private async listen(): Promise<void> {
    await this.subscriber.subscribe(RUN_KEYS.runs);
    await this.subscriber.psubscribe(RUN_KEYS.cancelPattern);
    this.subscriber.on('message', () => void this.refresh());
    this.subscriber.on('pmessage', (_pattern, channel: string, jobId: string) => {
      const queue = channel.slice(RUN_KEYS.cancel('').length);
      const job = this.running.get(`${queue}/${jobId}`);
      if (!job) return;
      this.say(`${queue}: job ${jobId} cancelled by its coordinator`);
      job.controller.abort(new Error('cancelled by the coordinator'));
    });
    const beat = async () => this.client.set(RUN_KEYS.worker(this.options.name), JSON.stringify({ commit: await headCommit(this.options.root), concurrency: this.options.concurrency }), 'PX', HEARTBEAT_MS).catch(() => undefined);
    await beat();
    this.timers.push(setInterval(() => void beat(), HEARTBEAT_MS / 3), setInterval(() => void this.refresh(), RUNS_POLL_MS));
    await this.refresh();
    this.say(`serving ${this.options.location.url} as ${this.options.name} (commit ${(await headCommit(this.options.root)).slice(0, 12)}, ${this.options.concurrency} at a time)`);
  }

  /** Starts serving new runs, stops serving ended ones. */
  private async refresh(): Promise<void> {
    if (this.stopping) return;
    const runs = new Set(await this.client.smembers(RUN_KEYS.runs).catch(() => [...this.workers.keys()]));
    const { Worker } = await import('bullmq');
    for (const queue of runs) {
      if (this.workers.has(queue) || this.stopping || (await this.fit(queue)).unfit) continue;
      const worker = new Worker<DistributedJob, JobResult>(queue, (job, token) => this.process(queue, job, token), {
        connection: { ...this.options.location.connection, connectionName: `orch-worker-${this.options.name}` },
        prefix: QUEUE_PREFIX,
        concurrency: this.options.concurrency,
        name: this.options.name,
        lockDuration: this.options.stallMs,
        stalledInterval: this.options.stallMs,
        maxStalledCount: 2,
      });
      worker.on('error', () => undefined);
      this.workers.set(queue, worker);
      this.say(`${queue}: serving`);
    }
    for (const queue of this.workers.keys()) if (!runs.has(queue)) this.unserve(queue);
    for (const queue of this.idle.keys()) {
      if (runs.has(queue)) continue;
      this.idle.delete(queue);
      // Its coordinator may have removed the run's keys before this worker wrote its entry.
      await this.client.hdel(RUN_KEYS.idle(queue), this.options.name).catch(() => undefined);
    }
  }

  /**
   * Removes the keys of an ended run's queue: its coordinator removed the queue, but this
   * worker's stall checks may have written BullMQ's meta key again since.
   */
  private async sweep(queue: string): Promise<void> {
    if ((await this.client.sismember(RUN_KEYS.runs, queue).catch(() => 1)) === 1) return;
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:${queue}:*`, 'COUNT', 200);
      cursor = next;
      if (keys.length > 0) await this.client.del(...keys);
    } while (cursor !== '0');
  }

  /** One job: checked against this checkout, run, its output streamed as progress events. */
  private async process(queue: string, job: Job<DistributedJob, JobResult>, token: string | undefined): Promise<JobResult> {
    const { DelayedError, UnrecoverableError } = await import('bullmq');
    const { unfit, commit } = await this.fit(queue);
    if (unfit && token) {
      // Another worker may fit: the job goes back to the queue, and this one stops serving the run.
      await job.moveToDelayed(Date.now() + 1000, token);
      this.unserve(queue);
      throw new DelayedError();
    }
    const checkout = await this.checkout(queue, commit);
    if (typeof checkout === 'string') {
      this.say(`${queue}: refused ${job.data.taskId}: ${checkout}`);
      throw new UnrecoverableError(checkout);
    }
    const key = `${queue}/${job.id}`;
    const entry = { controller: new AbortController(), handBack: false };
    this.running.set(key, entry);
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const output = new LineBatcher((data) => void job.updateProgress(data).catch(() => undefined));
    try {
      await job.updateProgress({ kind: 'started', worker: this.options.name, attempt } satisfies JobProgress);
      this.say(`${queue}: ${job.data.taskId} started${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      const outcome = await checkout.run({ job: job.data, queue, signal: entry.controller.signal, output: (stream, text) => output.write(stream, text) }, quietIO(this.io));
      output.flush();
      this.say(`${queue}: ${job.data.taskId} ${outcome.status}${outcome.cached ? ` (cached ${outcome.cached})` : ''}`);
      if (entry.handBack && token) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (outcome.status === 'failed' && !lastAttempt) throw new Error(outcome.error ?? 'failed');
      return { ...outcome, worker: this.options.name };
    } catch (error) {
      output.flush();
      if (error instanceof OrchError) throw new UnrecoverableError(`${error.message}${error.hint ? ` (${error.hint})` : ''}`);
      throw error;
    } finally {
      this.running.delete(key);
    }
  }

  /**
   * Whether this checkout can take the run's jobs now (`unfit`: why not), and the commit it is
   * at. Not: another commit (HEAD is read each time: a `git pull` on the worker counts), or
   * uncommitted changes to tracked files (findings 16 #2, #4, #5). Said once, and recorded for
   * the run's coordinator, which warns; the run waits for a worker that fits instead of failing.
   */
  private async fit(queue: string): Promise<{ unfit?: string; commit: string }> {
    const raw = await this.client.get(RUN_KEYS.run(queue)).catch(() => null);
    const [commit, changed] = await Promise.all([headCommit(this.options.root), uncommittedFiles(this.options.root, this.options.stateDir)]);
    if (!raw) return { commit };
    const run = JSON.parse(raw) as RunDescription;
    const why =
      commit !== run.commit
        ? `worker ${this.options.name} is at commit ${commit}, the run at ${run.commit}: check out ${run.commit.slice(0, 12)} on the worker (git fetch && git checkout ${run.commit.slice(0, 12)})`
        : changed.length > 0
          ? `worker ${this.options.name} has uncommitted changes to ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}: a worker runs the commit as it is; commit them, or set them aside on the worker (git stash, or git checkout -- <file>)`
          : undefined;
    if (why === this.idle.get(queue)) return { ...(why ? { unfit: why } : {}), commit };
    if (why) {
      this.idle.set(queue, why);
      this.say(`${queue}: takes no jobs: ${why}`);
      await this.client.hset(RUN_KEYS.idle(queue), this.options.name, why).catch(() => undefined);
    } else {
      this.idle.delete(queue);
      await this.client.hdel(RUN_KEYS.idle(queue), this.options.name).catch(() => undefined);
    }
    return { ...(why ? { unfit: why } : {}), commit };
  }

  /** Stops serving one run (its running jobs finish, then its checkout closes). */
  private unserve(queue: string): void {
    const worker = this.workers.get(queue);
    if (!worker) return;
    this.workers.delete(queue);
    const checkout = this.checkouts.get(queue);
    this.checkouts.delete(queue);
    void worker.close().then(() => closeCheckout(checkout)).then(() => this.sweep(queue));
  }

  /**
   * The run's checkout, opened once for all its jobs (`RunCheckout`), or why this checkout
   * cannot serve the run (the run is over, another plan). Opened again when HEAD moved since
   * (a job only comes here at the run's commit: `unfit`).
   */
  private async checkout(queue: string, commit: string): Promise<RunCheckout | string> {
    const open = this.checkouts.get(queue);
    const current = await open;
    if (current instanceof RunCheckout && current.commit !== commit) {
      if (this.checkouts.get(queue) === open) this.checkouts.delete(queue);
      void closeCheckout(open);
    }
    let checkout = this.checkouts.get(queue);
    if (!checkout) {
      checkout = (async () => {
        const raw = await this.client.get(RUN_KEYS.run(queue));
        if (!raw) return 'the run is over';
        return RunCheckout.open(this.options.root, JSON.parse(raw) as RunDescription, this.options.name, quietIO(this.io), (message) => this.say(`${queue}: warning: ${message}`));
      })().catch((error: Error) => `this checkout cannot plan the run: ${error.message}`);
      this.checkouts.set(queue, checkout);
    }
    return checkout;
  }

  /** Stops taking jobs; running ones finish, or with `handBack` are stopped and given back to the queue. */
  async stop(handBack = false): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (handBack) {
      for (const job of this.running.values()) {
        job.handBack = true;
        job.controller.abort(new Error('the worker is stopping'));
      }
    }
    await Promise.allSettled([...this.workers.values()].map((worker) => worker.close()));
    await Promise.allSettled([...this.checkouts.values()].map(closeCheckout));
    await this.client.del(RUN_KEYS.worker(this.options.name)).catch(() => undefined);
    this.subscriber.disconnect();
    this.client.disconnect();
  }

  private say(message: string): void {
    this.io.stderr(`orch worker: ${message}\n`);
  }
}

/** Output in whole lines, sent every OUTPUT_FLUSH_MS: fewer Redis calls, and no line split between two workers' prefixes. */
class LineBatcher {
  private pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (data: JobProgress) => void) {}

  write(stream: 'stdout' | 'stderr', text: string): void {
    this.pending[stream] += text;
    this.timer ??= setTimeout(() => this.flush(false), OUTPUT_FLUSH_MS);
  }

  /** Sends whole lines; at the end (`all`), what is left too. */
  flush(all = true): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.pending[stream];
      const cut = all ? text.length : text.lastIndexOf('\n') + 1;
      if (cut === 0) continue;
      this.pending[stream] = text.slice(cut);
      this.send({ kind: 'output', stream, text: text.slice(0, cut) });
    }
    if (!all && (this.pending.stdout || this.pending.stderr)) this.timer = setTimeout(() => this.flush(false), OUTPUT_FLUSH_MS);
  }
}

/** Closes a run's checkout, if one was opened. */
async function closeCheckout(checkout: Promise<RunCheckout | string> | undefined): Promise<void> {
  const opened = await checkout;
  if (opened instanceof RunCheckout) await opened.close().catch(() => undefined);
}

/** The worker's own messages go to its stderr; a job's problems go to its coordinator. */
function quietIO(io: CliIO): CliIO {
  return { ...io, stdout: () => undefined, stderr: () => undefined };
}
