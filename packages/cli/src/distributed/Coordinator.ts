import { OrchError, RAN_ON_WORKER, REATTACHABLE, STAGE_ORDER, type CommandRegistry, type DeployResult, type Engine, type ExecutionResult, type PlannedTask, type TaskContext } from '@orch/engine';
import { headCommit, jobIdFor, planDigest, RUN_KEYS, type JobResult } from './DistributedJob.js';
import { pinnedTasks } from './pinnedTasks.js';
import type { QueueLocation } from './queueConnection.js';
import { QueueWatchdog } from './QueueWatchdog.js';
import { RunQueue, type JobFollower } from './RunQueue.js';
import { WorkerOutputs } from './WorkerOutputs.js';
import { WorkerPrefix } from './WorkerPrefix.js';
import { pluginsModule } from '../lazyModules.js';

const PLUGIN_NAME = 'orch:distributed';
const EXECUTOR = 'distributed';
/** Task data: the result of the task's job, which a worker finished while no coordinator followed it (`orch resume`). */
const FINISHED_JOB = 'orch:distributed-finished-job';

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
  /** `orch resume`: jobs of the session a worker finished meanwhile are answers. */
  resumed: boolean;
  /** The run's stop signal (Ctrl-C, SIGTERM): it also ends the first wait for the queue. */
  signal?: AbortSignal;
}

/**
 * The coordinator of `orch run --distribute` (issue 16): the run plans and schedules as a local
 * run does; a task the caches do not answer is deployed to the `distributed` executor, which
 * queues it as a BullMQ job once its dependencies finished and streams the worker's output with
 * the worker's name. The task is finished when the worker's result arrives; its outputs are
 * restored here from the remote cache in the background (`WorkerOutputs`). The worker ran the
 * gates after execution, so they are not run again here; its retry policy was applied as the
 * job's attempts.
 */
export class Coordinator {
  /** `--local`: the tasks this process chose to run itself, running now. */
  private readonly runningHere = new Set<string>();
  /** Tasks a worker ran in this run (no cache answered them). */
  private readonly ranOnWorkers = new Set<string>();
  private workersSeen: Promise<void> | undefined;
  /** Tasks this process runs: not cacheable, or depending on one (a worker could not restore its outputs). */
  private readonly pinned: ReadonlySet<string>;
  private readonly outputs: WorkerOutputs;
  private readonly watchdog: QueueWatchdog;

  private constructor(
    private readonly engine: Engine,
    private readonly options: CoordinatorOptions,
    private readonly queue: RunQueue,
  ) {
    this.pinned = pinnedTasks(options.commands, options.plan);
    this.outputs = new WorkerOutputs(engine, options.plan);
    this.watchdog = new QueueWatchdog(engine, queue, (jobId) => this.requeue(jobId));
  }

  /**
   * Connects to the queue, records the run for the workers and taps the engine. Refuses a run
   * without a remote cache it can read (the outputs travel through it).
   */
  static async start(engine: Engine, options: CoordinatorOptions): Promise<Coordinator> {
    requireRemoteCache(engine);
    const description = { commit: await headCommit(engine.config.root), planDigest: planDigest(options.plan), roots: [...options.roots], only: options.only };
    const queue = await RunQueue.open(engine, options.location, options.sessionId, description, options.signal);
    const coordinator = new Coordinator(engine, { ...options, location: queue.location }, queue);
    coordinator.tap();
    return coordinator;
  }

  private tap(): void {
    const { hooks } = this.engine;
    // Before the caches hash the task and look it up.
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 101 }, (task) => this.beforeLookup(task));
    // After the local cache, before the remote one.
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 75 }, async (task) => (this.newHash(task) ? this.toWorker(task) : undefined));
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 10 }, (task) => this.choose(task));
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
      const { REMOTE_UPLOAD } = await pluginsModule();
      await (task.data.get(REMOTE_UPLOAD) as Promise<boolean> | undefined);
    });
    hooks.settle.tapPromise(PLUGIN_NAME, ({ outcomes }) => this.outputs.settle(outcomes));
    hooks.shutdown.tapPromise(PLUGIN_NAME, () => this.close());
  }

  /**
   * Declared inputs may name a dependency's outputs (files git ignores): they are hashed once
   * restored here, as the worker hashes them. On `orch resume`, the task's job the killed
   * coordinator left answers it, before any cache does, so the outcome names its worker: one
   * still queued or running is followed again, one a worker finished meanwhile is its answer.
   */
  private async beforeLookup(task: TaskContext): Promise<DeployResult | undefined> {
    if (task.command.metadata.inputs?.some((glob) => !glob.startsWith('!'))) await this.outputs.dependenciesOf(task.id);
    if (!this.options.resumed || task.command.metadata.cache === false || this.pinned.has(task.id)) return undefined;
    const { hashTask, PROVISIONAL_HASH } = await pluginsModule();
    const hash = await hashTask(this.engine, task);
    if (task.data.get(PROVISIONAL_HASH) === true) return undefined;
    const job = await this.queue.lookup(jobIdFor(task.id, hash, task.attempt));
    if (!job || job.state === 'failed' || (job.state === 'completed' && job.result?.status !== 'succeeded')) return undefined;
    if (job.result) task.data.set(FINISHED_JOB, job.result);
    return this.toWorker(task);
  }

  /**
   * Whether the task goes to a worker without a remote lookup here: a dependency a worker ran in
   * this run (missing both caches moments ago) gives it a hash no cache is expected to hold.
   * The worker looks the remote cache up itself before it runs the task, and answers from it if
   * another machine did build it; this run's critical path is spared a request per task.
   */
  private newHash(task: TaskContext): boolean {
    return this.distributable(task) && !this.localSlotFree() && [...task.dependencies.keys()].some((id) => this.ranOnWorkers.has(id));
  }

  private localSlotFree(): boolean {
    return this.options.local && this.runningHere.size < this.options.concurrency;
  }

  /** After the caches missed: a worker runs the task, unless this process must or may (`--local`); then its dependencies' outputs are here first. */
  private async choose(task: TaskContext): Promise<DeployResult | undefined> {
    if (this.distributable(task) && !this.localSlotFree()) return this.toWorker(task);
    if (this.distributable(task)) this.runningHere.add(task.id);
    await this.outputs.dependenciesOf(task.id);
    return undefined;
  }

  /** The `distributed` executor; a resume finds the task's job again by its id, so its start need not be synced first. */
  private toWorker(task: TaskContext): DeployResult {
    task.data.set(REATTACHABLE, true);
    return { executor: EXECUTOR };
  }

  private distributable(task: TaskContext): boolean {
    return task.command.metadata.cache !== false && task.data.get('orch:hash-provisional') !== true && typeof task.data.get('orch:hash') === 'string' && !this.pinned.has(task.id);
  }

  /** Queues the task and waits for a worker to run it; on success its outputs are restored in the background. */
  private async runOnWorker(task: TaskContext): Promise<ExecutionResult> {
    const finished = task.data.get(FINISHED_JOB) as JobResult | undefined;
    if (finished) return this.answered(task, finished);
    if (this.queue.lost) throw this.queue.lost;
    await (this.workersSeen ??= this.waitForWorkers(task.signal));
    const started = performance.now();
    if (task.signal.aborted) return { exitCode: 1, durationMs: 0, message: 'interrupted', kind: 'error' };
    const { value: result, replay } = await this.follow(task, jobIdFor(task.id, task.data.get('orch:hash') as string, task.attempt));
    if (result instanceof Error) return { exitCode: 1, durationMs: performance.now() - started, message: task.signal.aborted ? 'interrupted' : result.message, kind: 'error' };
    if (replay) return this.answered(task, result);
    task.data.set(RAN_ON_WORKER, { worker: result.worker, ...(result.cached ? { cached: result.cached } : {}) });
    if (result.status !== 'succeeded') {
      const why = result.error ?? result.status;
      return { exitCode: result.exitCode ?? 1, durationMs: result.durationMs, message: `on worker ${result.worker}: ${why}`, kind: 'error' };
    }
    if (!result.cached) this.ranOnWorkers.add(task.id);
    // Restored from the remote cache: nothing is judged or stored again here.
    task.data.set('orch:cached', 'remote');
    this.outputs.restoreLater(task, result);
    return { exitCode: 0, durationMs: result.durationMs };
  }

  /** A job that succeeded while nobody followed it: its outputs restored and its log replayed now, with the worker's name. */
  private async answered(task: TaskContext, result: JobResult): Promise<ExecutionResult> {
    task.data.set(RAN_ON_WORKER, { worker: result.worker, ...(result.cached ? { cached: result.cached } : {}) });
    await this.outputs.restoreAndReplay(task, result);
    return { exitCode: 0, durationMs: result.durationMs };
  }

  /** Adds the job (or reattaches to it) and follows it to its end; `replay` when it had ended before. */
  private follow(task: TaskContext, jobId: string): Promise<{ value: JobResult | Error; replay: boolean }> {
    return new Promise((resolve) => {
      let prefix = new WorkerPrefix('worker');
      const end = (value: JobResult | Error, replay: boolean): void => {
        this.queue.followers.delete(jobId);
        task.signal.removeEventListener('abort', onAbort);
        resolve({ value, replay });
      };
      const follower: JobFollower = {
        task,
        progress: (data) => {
          if (data.kind === 'output') return void task.output(data.stream, prefix.apply(data.stream, data.text));
          follower.worker = data.worker;
          prefix = new WorkerPrefix(data.worker);
          if (data.attempt > 1) this.engine.emit({ type: 'warning', message: `${task.id}: attempt ${data.attempt} on worker ${data.worker}`, source: PLUGIN_NAME });
        },
        settle: (value) => end(value, false),
      };
      const onAbort = (): void => void this.queue.cancel(jobId, follower);
      this.queue.followers.set(jobId, follower);
      task.signal.addEventListener('abort', onAbort, { once: true });
      this.queue.add(task, jobId, this.options.resumed).then(
        (done) => done && end(done, true),
        (error: Error) => end(error, false),
      );
    });
  }

  /** Queues a followed job again (the queue lost the run); one that had succeeded answers at once. */
  private async requeue(jobId: string): Promise<void> {
    const follower = this.queue.followers.get(jobId);
    if (!follower) return;
    await this.queue.add(follower.task, jobId, true).then(
      (done) => done && follower.settle(done),
      (error: Error) => follower.settle(error),
    );
  }

  /** `--workers-min`: waits until that many workers are connected (their heartbeat keys). */
  private async waitForWorkers(signal: AbortSignal): Promise<void> {
    let told = false;
    for (;;) {
      const count = await this.queue.countKeys(RUN_KEYS.workerPattern);
      if (count >= this.options.workersMin || signal.aborted) return;
      if (!told) this.engine.emit({ type: 'warning', message: `waiting for ${this.options.workersMin} workers on ${this.options.location.url} (${count} connected)`, source: PLUGIN_NAME });
      told = true;
      await new Promise((done) => setTimeout(done, 500));
    }
  }

  /** The run is over: the restores end, then the queue and everything in it goes. */
  async close(): Promise<void> {
    this.watchdog.stop();
    await this.outputs.idle();
    await this.queue.close();
  }
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
