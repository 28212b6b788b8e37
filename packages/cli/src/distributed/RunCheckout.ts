import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { checkSessionId, OrchError, planRun, runTasks, STAGE_ORDER, strategyFor, type EngineOutput, type TaskOutcome } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { runnableGraph } from '../runnableGraph.js';
import type { DistributedJob } from './DistributedJob.js';

const PLUGIN_NAME = 'orch:distributed-worker';

export interface JobRun {
  root: string;
  job: DistributedJob;
  /** The run's queue, for the log folder (`<stateDir>/logs/<queue>`). */
  queue: string;
  signal: AbortSignal;
  /** The task's output, as it prints it. */
  output(stream: 'stdout' | 'stderr', text: string): void;
}

/**
 * Runs one job in this checkout, through the same pipeline as `orch run <task>`: the task and
 * its dependencies are planned from this checkout's own definitions (the job names a task id,
 * never a command); its dependencies ran elsewhere, so each must be answered by the cache (their
 * outputs restored), never run here; the task's hash must be the coordinator's. When it
 * succeeds, its entry is in the remote cache before this returns (the coordinator restores it
 * from there). Returns the task's outcome.
 */
export async function runJob(run: JobRun, io: CliIO): Promise<TaskOutcome> {
  const { job } = run;
  const workspace = await openWorkspace(run.root, silentOutput(run.root));
  const { engine, registry, config } = workspace;
  try {
    if (!registry.commands.has(job.taskId)) {
      throw new OrchError('command-not-found', `this checkout defines no task ${job.taskId}`, { hint: 'workers run only tasks their own checkout defines: check out the coordinator\'s commit' });
    }
    const graph = await runnableGraph(workspace, [job.taskId], { only: false }, io);
    const plan = planRun(graph, new Map([[job.taskId, job.taskId]]));
    guardJob(engine, job);
    engine.hooks.event.tap(PLUGIN_NAME, (event) => {
      if (event.type === 'task-output' && event.id === job.taskId) run.output(event.stream, event.text);
    });
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
      logDir: join(config.root, config.stateDir, 'logs', checkSessionId(run.queue, 'the run queue')),
    });
    const outcome = summary.tasks.find((task) => task.id === job.taskId)!;
    // A dependency the cache could not answer: its failure is the reason.
    const blocker = summary.tasks.find((task) => task.id !== job.taskId && task.status === 'failed');
    if (outcome.status === 'skipped' && blocker) return { ...outcome, status: 'failed', error: `${blocker.id}: ${blocker.error ?? 'failed'}` };
    return outcome;
  } finally {
    // Waits for the uploads: the coordinator restores the outputs from the remote cache.
    await engine.close();
  }
}

/**
 * The rules of a job on a worker: its dependencies only come from the cache; its hash is the
 * coordinator's; and a failed execution the task retries is left to the queue's attempts.
 */
function guardJob(engine: OpenEngine, job: DistributedJob): void {
  const { hooks } = engine;
  hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 99 }, async (task) => {
    const hash = task.data.get('orch:hash') as string | undefined;
    if (task.id === job.taskId && hash !== undefined && hash !== job.hash) {
      throw new OrchError('stage-failed', `this worker computes the hash ${hash.slice(0, 12)} for ${task.id}, the coordinator ${job.hash.slice(0, 12)}: the checkouts differ`, {
        hint: `run \`git status\` on the worker, and \`orch explain ${task.id}\` on both machines to see which input differs (an uncommitted file, an environment variable)`,
      });
    }
    return undefined;
  });
  hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 5 }, async (task) => {
    if (task.id === job.taskId) return undefined;
    throw new OrchError('stage-failed', `its outputs are not in the cache (hash ${String(task.data.get('orch:hash') ?? '?').slice(0, 12)}); a worker never runs a dependency again`, {
      hint: 'check that the machine that ran it uploads to the remote cache (cache.remote with write access)',
    });
  });
  hooks.recover.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 100 }, (failure) => {
    if (failure.task.id !== job.taskId) return { strategy: 'none', action: 'fail', message: '' };
    // The task's retry policy is the job's attempts (which may go to another worker); other
    // strategies (rollback, the default) apply here as in a local run.
    if (failure.stage === 'execute' && strategyFor('execute', failure.task.command.metadata, engine.config.recovery) === 'retry') return { strategy: 'none', action: 'fail', message: '' };
    return undefined;
  });
}

type OpenEngine = Awaited<ReturnType<typeof openWorkspace>>['engine'];

/** A worker's runs print nothing themselves: the task's output goes to the coordinator. */
function silentOutput(cwd: string): EngineOutput {
  return { reporter: 'silent', write: () => undefined, color: false, columns: 100, cwd };
}
