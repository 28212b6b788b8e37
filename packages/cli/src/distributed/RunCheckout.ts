import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { checkSessionId, OrchError, planRun, runTasks, STAGE_ORDER, strategyFor, type EngineOutput, type TaskContext, type TaskGraph, type TaskOutcome } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { runnableGraph } from '../runnableGraph.js';
import { headCommit, planDigest, type DistributedJob, type RunDescription } from './DistributedJob.js';
import { pluginsModule } from '../lazyModules.js';

const PLUGIN_NAME = 'orch:distributed-worker';

/** One job as a worker runs it. */
export interface JobRun {
  job: DistributedJob;
  /** The run's queue, for the log folder (`<stateDir>/logs/<queue>`). */
  queue: string;
  signal: AbortSignal;
  /** The task's output, as it prints it. */
  output(stream: 'stdout' | 'stderr', text: string): void;
}

/**
 * A worker's checkout, opened once for one run (`orch worker`): the config loaded, the plugins
 * applied, the commands discovered, and the run planned as its coordinator planned it (same
 * plan digest), at the commit it was opened at (`commit`; the worker checks HEAD and the
 * checkout's status before each job, and opens it again when it moved). Each job is planned
 * and hashed afresh (a task graph of its own, so a hasher of its own that reads the repository
 * as it is now): a file changed since the last job changes the hash, and the job is refused.
 */
export class RunCheckout {
  /** The jobs running now, by their own task graph and by task id. */
  private readonly jobs = new Map<TaskGraph, JobRun>();
  private readonly byTask = new Map<string, JobRun>();
  private readonly inFlight = new Set<Promise<TaskOutcome>>();

  private constructor(
    private readonly workspace: OpenWorkspace,
    readonly commit: string,
    private readonly warn: (message: string) => void,
  ) {
    this.guard();
  }

  /**
   * Opens the checkout at `root` for a run; a refusal (another plan) is returned as text. The
   * engine's warnings (a remote cache that does not answer, an upload that failed) go to `warn`.
   */
  static async open(root: string, run: RunDescription, worker: string, io: CliIO, warn: (message: string) => void): Promise<RunCheckout | string> {
    const commit = await headCommit(root);
    const workspace = await openWorkspace(root, silentOutput(root));
    try {
      const graph = await runnableGraph(workspace, run.roots, { only: run.only }, io);
      const digest = planDigest(planRun(graph, new Map(run.roots.map((id) => [id, id])), { only: run.only }));
      if (digest === run.planDigest) return new RunCheckout(workspace, commit, warn);
      await workspace.engine.close();
      return `worker ${worker} plans the run as ${digest}, the coordinator as ${run.planDigest}: their task definitions differ (an uncommitted change, another config)`;
    } catch (error) {
      await workspace.engine.close();
      throw error;
    }
  }

  /**
   * Runs one job through the same pipeline as `orch run <task>`: the task and its dependencies
   * are planned from this checkout's own definitions (the job names a task id, never a
   * command); its dependencies ran elsewhere, so each must be answered by the cache (their
   * outputs restored), never run here; the task's hash must be the coordinator's. When it
   * succeeds, its entry is in the remote cache before this returns (the coordinator restores it
   * from there). Returns the task's outcome.
   */
  run(run: JobRun, io: CliIO): Promise<TaskOutcome> {
    const running = this.runJob(run, io);
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running)).catch(() => undefined);
    return running;
  }

  private async runJob(run: JobRun, io: CliIO): Promise<TaskOutcome> {
    const { job } = run;
    const { engine, registry, config } = this.workspace;
    if (!registry.commands.has(job.taskId)) {
      throw new OrchError('command-not-found', `this checkout defines no task ${job.taskId}`, { hint: 'workers run only tasks their own checkout defines: check out the coordinator\'s commit' });
    }
    // A graph of its own: its own hasher, which reads the checkout afresh (taskHasherFor).
    const graph: TaskGraph = { ...(await runnableGraph(this.workspace, [job.taskId], { only: false }, io)) };
    const plan = planRun(graph, new Map([[job.taskId, job.taskId]]));
    this.jobs.set(graph, run);
    this.byTask.set(job.taskId, run);
    try {
      const summary = await runTasks(engine, {
        plan,
        registry,
        graph,
        args: job.args,
        requested: new Set([job.taskId]),
        only: false,
        concurrency: availableParallelism(),
        continue: 'never',
        resources: config.resources,
        signal: run.signal,
        // The queue's name comes from Redis: a plain id, or it could name a folder outside `logs/`.
        logDir: resolve(config.root, config.stateDir, 'logs', checkSessionId(run.queue, 'the run queue')),
      });
      const outcome = summary.tasks.find((task) => task.id === job.taskId)!;
      // A dependency the cache could not answer: its failure is the reason.
      const blocker = summary.tasks.find((task) => task.id !== job.taskId && task.status === 'failed');
      if (outcome.status === 'skipped' && blocker) return { ...outcome, status: 'failed', error: `${blocker.id}: ${blocker.error ?? 'failed'}` };
      return outcome;
    } finally {
      this.jobs.delete(graph);
      if (this.byTask.get(job.taskId) === run) this.byTask.delete(job.taskId);
    }
  }

  /** The run is over here (or HEAD moved): the jobs still running end, uploads are waited for, and the engine's resources released. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await this.workspace.engine.close();
  }

  /**
   * The rules of a job on a worker, tapped once for all the run's jobs: its dependencies only
   * come from the cache; its hash is the coordinator's; a failed execution the task retries is
   * left to the queue's attempts; its upload ends before its result is sent; its output goes to
   * its coordinator.
   */
  private guard(): void {
    const { hooks, config } = this.workspace.engine;
    const jobOf = (task: TaskContext): DistributedJob | undefined => this.jobs.get(task.graph)?.job;
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 99 }, async (task) => {
      const job = jobOf(task);
      const hash = task.data.get('orch:hash') as string | undefined;
      if (job && task.id === job.taskId && hash !== undefined && hash !== job.hash) {
        throw new OrchError('stage-failed', `this worker computes the hash ${hash.slice(0, 12)} for ${task.id}, the coordinator ${job.hash.slice(0, 12)}: the checkouts differ`, {
          hint: `run \`git status\` on the worker, and \`orch explain ${task.id}\` on both machines to see which input differs (an uncommitted file, an environment variable)`,
        });
      }
      return undefined;
    });
    hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 5 }, async (task) => {
      const job = jobOf(task);
      if (!job || task.id === job.taskId) return undefined;
      throw new OrchError('stage-failed', `its outputs are not in the cache (hash ${String(task.data.get('orch:hash') ?? '?').slice(0, 12)}); a worker never runs a dependency again`, {
        hint: 'check that the machine that ran it uploads to the remote cache (cache.remote with write access)',
      });
    });
    hooks.recover.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 100 }, (failure) => {
      const job = jobOf(failure.task);
      if (!job) return undefined;
      if (failure.task.id !== job.taskId) return { strategy: 'none', action: 'fail', message: '' };
      // The task's retry policy is the job's attempts (which may go to another worker); other
      // strategies (rollback, the default) apply here as in a local run.
      if (failure.stage === 'execute' && strategyFor('execute', failure.task.command.metadata, config.recovery) === 'retry') return { strategy: 'none', action: 'fail', message: '' };
      return undefined;
    });
    // The coordinator, and the workers that run what depends on the task, restore its outputs
    // from the remote cache: a job whose upload failed did not succeed.
    hooks.persist.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.late + 10 }, async (task) => {
      if (jobOf(task)?.taskId !== task.id) return;
      const { REMOTE_UPLOAD } = await pluginsModule();
      if ((await (task.data.get(REMOTE_UPLOAD) as Promise<boolean> | undefined)) !== false) return;
      throw new OrchError('stage-failed', 'its outputs could not be uploaded to the remote cache, where the coordinator and the other workers take them from (the worker said why)', {
        hint: 'check that the worker reaches the remote cache and may write to it (cache.remote, its token)',
      });
    });
    hooks.event.tap(PLUGIN_NAME, (event) => {
      if (event.type === 'task-output') this.byTask.get(event.id)?.output(event.stream, event.text);
      if (event.type === 'warning') this.warn(event.message);
    });
  }
}

/** A worker's runs print nothing themselves: the task's output goes to the coordinator. */
function silentOutput(cwd: string): EngineOutput {
  return { reporter: 'silent', write: () => undefined, color: false, columns: 100, cwd };
}
