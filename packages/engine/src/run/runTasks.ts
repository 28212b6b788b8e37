import { relative, sep } from 'node:path';
import type { CommandRegistry } from '../commands/CommandRegistry.js';
import type { TaskGraph } from '../graph/TaskGraph.js';
import { didYouMean } from '../diagnostics/closestMatches.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Engine } from '../Engine.js';
import type { PipelineStage } from '../Engine.js';
import type { PlannedTask, RunSummary, SessionInfo, TaskOutcome } from '../events.js';
import { OrchError } from '../OrchError.js';
import type { FailureContext, FailureKind, GateContext, GateVerdict, RecoveryDecision, ResourceProfile, TaskContext, TaskStatus } from '../pipeline/TaskContext.js';
import { Scheduler, type ContinueMode } from '../scheduler/Scheduler.js';
import { TaskLog, taskLogFiles } from './TaskLog.js';
import { withRecoveryNote } from './recoveryNote.js';
import { taskHashedEvent } from '../pipeline/taskHashedEvent.js';

export interface RunOptions {
  plan: readonly PlannedTask[];
  registry: CommandRegistry;
  graph: TaskGraph;
  /** Arguments after `--`, given to the tasks the user named. */
  args: readonly string[];
  requested: ReadonlySet<string>;
  only: boolean;
  concurrency: number;
  continue: ContinueMode;
  /** Capacity of each named resource. */
  resources: Readonly<Record<string, number>>;
  /** Aborted on Ctrl-C: no new task starts, running ones are stopped. */
  signal: AbortSignal;
  /**
   * Per task id, a signal that cancels that task alone (`orch watch` restarts a task whose
   * inputs changed mid-run): it stops as on Ctrl-C, and what depends on it does not start.
   */
  taskSignals?: ReadonlyMap<string, AbortSignal>;
  /** Past durations by task id, for priorities. */
  expectedDurations?: Readonly<Record<string, number>>;
  /** The session this run belongs to (recorded first in its log). */
  session?: SessionInfo;
  /** On resume: what earlier runs of the session did, by task id. */
  previous?: ReadonlyMap<string, PreviousRun>;
  /** Absolute folder for the tasks' log files, one folder per run (`<stateDir>/logs/<session>`). */
  logDir: string;
  /**
   * Only cache hits may be executed (the daemon's run: docs/daemon.md): a task whose executor
   * is another fails at execute with this message, and no process of it starts.
   */
  onlyCached?: string;
}

/**
 * What an earlier run of the session left for a task: done (completed with the hash it has
 * now; `worker`: the worker of a distributed run that ran it, which its outcome names again),
 * interrupted after some steps, or skipped by the user (`orch resume --skip`).
 */
export type PreviousRun = { kind: 'done'; hash?: string; worker?: string } | { kind: 'interrupted'; fromStep: number } | { kind: 'skip' };

/**
 * Task data set by a plugin that had the task run by another machine (`orch run --distribute`):
 * `{ worker, cached? }`, the worker's name and whether it answered from its cache.
 */
export const RAN_ON_WORKER = 'orch:ran-on-worker';

/**
 * Task data set by the plugin that deploys a task to an executor whose execution is found again
 * after orch is killed (`orch run --distribute`: a job is named by its task, hash and attempt,
 * and `orch resume` reattaches to it). Its start need not be synced to the session log before
 * it executes; it is written with the next batch instead, as a cache hit's end is.
 */
export const REATTACHABLE = 'orch:reattachable';

/** A runaway recovery plugin cannot loop forever. */
const MAX_ATTEMPTS = 100;

/** How the reference design names each gate stage in its reports. */
export const STAGE_TITLES = { preGates: 'Quality gates', postValidate: 'Post-execution validation', qaGates: 'Quality assurance gates' } as const;

const DEFAULT_PROFILE: ResourceProfile = { timeout: Number.POSITIVE_INFINITY, weight: 1, retries: 0, budgetPoints: 1, maxTurns: 10 };

/** A failure at a pipeline stage, with what to tell the user. */
class StageFailure extends Error {
  constructor(
    readonly stage: string,
    message: string,
    readonly exitCode?: number,
  ) {
    super(message);
  }
}

/**
 * Runs a plan: triage for every task first (so weights and resources are checked before
 * anything starts), then each task through stages 4–10 as the scheduler allows. Every stage's
 * outcome is an event. Never throws for a task's failure: that is in the summary.
 */
export async function runTasks(engine: Engine, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const { hooks } = engine;
  // State that cannot be made durable (a full disk) stops the run like Ctrl-C, then is reported.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  let fatal: unknown;
  const durable = async (context: TaskContext, stage: PipelineStage): Promise<boolean> => {
    try {
      await hooks.checkpoint.promise(context, stage);
      return true;
    } catch (error) {
      fatal ??= error;
      stop.abort(error);
      return false;
    }
  };
  const contexts = new Map<string, TaskContext & { log: TaskLog }>();
  const statuses = new Map<string, TaskStatus>();

  for (const planned of options.plan) contexts.set(planned.id, createTaskContext(engine, planned, options, signal, durable));

  // Stage 3 for all tasks up front: the scheduler needs every weight and resource.
  for (const context of contexts.values()) {
    const t0 = performance.now();
    await hooks.triage.promise(context);
    context.profile ??= { ...DEFAULT_PROFILE };
    engine.emit({ type: 'task-stage', id: context.id, stage: 'triage', status: 'passed', durationMs: performance.now() - t0 });
  }
  checkCapacity([...contexts.values()], options);

  if (options.session) engine.emit({ type: 'session-started', session: options.session });
  engine.emit({ type: 'run-started', tasks: [...options.plan], concurrency: options.concurrency });
  const scheduler = new Scheduler(
    options.plan.map((planned) => {
      const context = contexts.get(planned.id)!;
      return {
        id: planned.id,
        dependencies: planned.dependencies,
        weight: context.profile!.weight,
        resources: context.command.metadata.resources ?? {},
        expectedMs: options.expectedDurations?.[planned.id] ?? 1,
      };
    }),
    { concurrency: options.concurrency, resources: options.resources, continue: options.continue },
  );

  const outcomes = new Map<string, TaskOutcome>();
  const finished: string[] = [];
  const record = (outcome: TaskOutcome): void => {
    outcomes.set(outcome.id, outcome);
    finished.push(outcome.id);
    statuses.set(outcome.id, outcome.status);
    engine.emit({ type: 'task-finished', outcome });
  };
  const skip = (ids: readonly string[], why: string): void => {
    for (const id of ids) record({ id, status: 'skipped', durationMs: 0, error: why });
  };

  const onAbort = (): void => skip(scheduler.stop(), fatal ? 'not started: the run was stopped' : 'not started: the run was interrupted');
  signal.addEventListener('abort', onAbort, { once: true });
  const running = new Map<string, Promise<void>>();
  const shared: Shared = { spent: 0, durable, onlyCached: options.onlyCached };
  const plannedById = new Map(options.plan.map((p) => [p.id, p]));
  const launch = (): void => {
    for (const id of scheduler.takeReady()) {
      const context = contexts.get(id)!;
      // A task skipped on resume (--skip) counts as done for what depends on it.
      for (const dep of plannedById.get(id)!.dependencies) (context.dependencies as Map<string, TaskStatus>).set(dep, options.previous?.get(dep)?.kind === 'skip' ? 'succeeded' : statuses.get(dep)!);
      const previous = options.previous?.get(id);
      const work =
        previous?.kind === 'done'
          ? Promise.resolve<TaskOutcome>({ id, status: 'succeeded', durationMs: 0, resumed: true, ...(previous.hash ? { hash: previous.hash } : {}), ...(previous.worker ? { worker: previous.worker } : {}) })
          : previous?.kind === 'skip'
            ? Promise.resolve<TaskOutcome>({ id, status: 'skipped', durationMs: 0, error: 'skipped on resume (--skip)' })
            : runPipeline(engine, context, shared);
      running.set(
        id,
        work.then(async (outcome) => {
          // Closed before the next tasks open theirs; a later write (a saga's compensation) reopens it.
          context.log.close({ stale: options.previous !== undefined && (previous === undefined || previous.kind === 'interrupted') });
          record(outcome);
          // A task's end is durable before anything that depends on it starts.
          await durable(context, 'persist');
          running.delete(id);
          if (outcome.status === 'cancelled') return;
          const passed = outcome.status === 'succeeded' || previous?.kind === 'skip';
          const skipped = scheduler.finish(id, passed ? 'succeeded' : 'failed');
          skip(skipped, passed ? 'not started' : `not started: ${id} ${outcome.intervention ? 'awaits intervention' : 'failed'}`);
        }),
      );
    }
  };
  try {
    try {
      launch();
      while (running.size > 0) {
        await Promise.race(running.values());
        launch();
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (fatal) throw fatal;
    await hooks.settle.promise({ outcomes, tasks: contexts, finished, signal });
  } finally {
    for (const context of contexts.values()) context.log.close();
  }

  const tasks = options.plan.map((p) => outcomes.get(p.id) ?? { id: p.id, status: 'skipped' as const, durationMs: 0 });
  const count = (status: TaskStatus) => tasks.filter((t) => t.status === status).length;
  const summary: RunSummary = {
    tasks,
    durationMs: performance.now() - started,
    succeeded: count('succeeded'),
    failed: count('failed'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
    interrupted: signal.aborted,
    awaitingIntervention: tasks.filter((t) => t.intervention).length,
  };
  engine.emit({ type: 'run-finished', summary });
  return summary;
}

/** A task's context: what every stage sees of it, with its output going to its log file. */
function createTaskContext(engine: Engine, planned: PlannedTask, options: RunOptions, signal: AbortSignal, durable: (context: TaskContext, stage: PipelineStage) => Promise<boolean>): TaskContext & { log: TaskLog } {
  const previous = options.previous?.get(planned.id);
  const own = options.taskSignals?.get(planned.id);
  const log = new TaskLog(taskLogFiles(options.logDir, planned.id), (error) => {
    engine.emit({ type: 'warning', message: `${planned.id}: its output is no longer written to ${relative(engine.config.root, options.logDir)} (${error.message}); it will not be cached` });
  });
  const context: TaskContext & { log: TaskLog } = {
    id: planned.id,
    command: options.registry.commands.get(planned.id)!,
    args: options.requested.has(planned.id) ? [...options.args] : [],
    root: engine.config.root,
    stateDir: engine.config.stateDir,
    signal: own ? AbortSignal.any([signal, own]) : signal,
    log,
    dependencies: new Map<string, TaskStatus>(),
    only: options.only,
    outsideDependencies: planned.outside,
    data: new Map(),
    budgetSpent: 0,
    budget: engine.config.complexityBudget,
    commands: options.registry.commands,
    graph: options.graph,
    agents: options.registry.agents,
    projects: options.registry.projects,
    attempt: 1,
    ...(options.session ? { sessionId: options.session.id } : {}),
    ...(previous?.kind === 'interrupted' && previous.fromStep > 0 ? { fromStep: previous.fromStep } : {}),
    output(stream, text) {
      log.write(stream, text);
      engine.emit({ type: 'task-output', id: planned.id, stream, text });
      return engine.output.congested?.() !== true;
    },
    drained: () => engine.output.drained?.() ?? Promise.resolve(),
    checkpoint: () => durable(context, 'execute'),
  };
  return context;
}

/**
 * Stages 4–10 for one task. Before it executes, what was emitted so far is made durable (the
 * `checkpoint` hook); a cache hit executes nothing (its log is replayed) and skips the stages
 * that judge an execution (post-execution validation and quality assurance). A failure goes to the `recover` hook, whose decision may retry from a
 * stage, a step or only the failed gates, give up, or pause for a person. The task's complexity
 * points are charged to the session's budget when its pre-execution gates first start (so tasks
 * running side by side cannot both slip under the limit) and refunded if the gates refuse it.
 */
interface Shared {
  /** Complexity points spent by the run's tasks so far. */
  spent: number;
  /** The checkpoint hook; false when state could not be made durable (the run stops). */
  durable(context: TaskContext, stage: PipelineStage): Promise<boolean>;
  /** `RunOptions.onlyCached`. */
  onlyCached?: string | undefined;
}

async function runPipeline(engine: Engine, context: TaskContext, budget: Shared): Promise<TaskOutcome> {
  const { hooks } = engine;
  const started = performance.now();
  engine.emit({ type: 'task-started', id: context.id });

  const session = context.signal;
  let timer: AbortController | undefined;
  let handle: NodeJS.Timeout | undefined;
  /**
   * Each attempt has the task's whole time limit. The task's signal (the run's, and its limit's)
   * is made when a plugin first asks for it: a cache hit asks for none, and a derived signal is
   * not free (AbortSignal.any keeps weak references the garbage collector has to trace).
   */
  const arm = (): void => {
    if (handle) clearTimeout(handle);
    const timeout = context.profile!.timeout;
    const own = Number.isFinite(timeout) ? new AbortController() : undefined;
    timer = own;
    handle = own ? setTimeout(() => own.abort(new Error(`timed out after ${formatMs(timeout)}`)), timeout) : undefined;
    let signal: AbortSignal | undefined;
    Object.defineProperty(context, 'signal', { configurable: true, enumerable: true, get: () => (signal ??= AbortSignal.any(own ? [session, own.signal] : [session])) });
  };
  arm();

  const metrics = new Map<string, number>();
  let onlyGates: ReadonlySet<string> | undefined;
  const lastVerdicts = new Map<string, GateVerdict[]>();
  const gates = async (stage: GateContext['stage'], hook: typeof hooks.preGates): Promise<GateVerdict[]> => {
    // Re-checking only some gates (partial recovery): the others' verdicts stand.
    const verdicts: GateVerdict[] = onlyGates ? (lastVerdicts.get(stage) ?? []).filter((v) => !onlyGates!.has(v.gate)) : [];
    await hook.promise({ task: context, stage, metrics, report: (verdict) => void verdicts.push(verdict), ...(onlyGates ? { only: onlyGates } : {}) });
    lastVerdicts.set(stage, verdicts);
    const failed = verdicts.filter((v) => v.status === 'fail');
    if (failed.length > 0) {
      const passed = verdicts.filter((v) => v.status !== 'fail').length;
      throw Object.assign(new StageFailure(stage, `${STAGE_TITLES[stage]} failed (${passed}/${verdicts.length}): ${failed.map((v) => `${v.gate}: ${v.message}`).join('; ')}`), { verdicts, kind: 'gates' });
    }
    return verdicts;
  };

  let charged = false;
  const stages: [PipelineStage, () => Promise<GateVerdict[] | void>][] = [
    ['dependencies', () => hooks.dependencies.promise(context)],
    [
      'preGates',
      async () => {
        const points = charged ? 0 : context.profile!.budgetPoints;
        context.budgetSpent = budget.spent - (charged ? context.profile!.budgetPoints : 0);
        budget.spent += points;
        try {
          const verdicts = await gates('preGates', hooks.preGates);
          charged = true;
          return verdicts;
        } catch (error) {
          budget.spent -= points;
          throw error;
        }
      },
    ],
    [
      'deploy',
      async () => {
        const deployed = await hooks.deploy.promise(context);
        if (!deployed) throw Object.assign(new StageFailure('deploy', `no executor can run ${context.id}: it has no run steps, no module and is not a prompt`), { kind: 'no-executor' });
        context.executor = deployed.executor;
        const hashed = taskHashedEvent(context);
        if (hashed) engine.emit(hashed);
      },
    ],
    [
      'execute',
      async () => {
        const executor = context.executor!;
        if (budget.onlyCached !== undefined && executor !== 'cache') throw Object.assign(new StageFailure('execute', budget.onlyCached), { kind: 'error' });
        const hook = hooks.execute.get(executor);
        if (!hook || hook.taps.length === 0) throw Object.assign(new StageFailure('execute', `no executor plugin runs '${executor}' tasks; add one, or check disablePlugins`), { kind: 'no-executor' });
        const result = await hook.promise(context);
        if (!result) throw Object.assign(new StageFailure('execute', `the '${executor}' executor returned no result for ${context.id}`), { kind: 'error' });
        context.result = result;
        if (timer?.signal.aborted) throw Object.assign(new StageFailure('execute', (timer.signal.reason as Error).message, result.exitCode), { kind: 'timeout' });
        if (result.exitCode !== 0) {
          const kind: FailureKind = result.kind ?? (result.signal ? 'signal' : 'exit-code');
          throw Object.assign(new StageFailure('execute', result.message ?? `exited with code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`, result.exitCode), { kind });
        }
      },
    ],
    ['postValidate', () => gates('postValidate', hooks.postValidate)],
    ['qaGates', () => gates('qaGates', hooks.qaGates)],
    ['persist', () => hooks.persist.promise(context)],
  ];

  try {
    let index = 0;
    while (index < stages.length) {
      const [stage, run] = stages[index]!;
      if (session.aborted) return finish('cancelled', stage, 'interrupted');
      // A hit's outputs were judged when the run that made them ended.
      if (answeredByCache(context) && JUDGE_EXECUTION.has(stage)) {
        index++;
        continue;
      }
      // What the task does outside orch starts with execution: the log is durable before it.
      if (stage === 'execute' && !answeredByCache(context) && !(await budget.durable(context, stage))) return finish('cancelled', stage, 'stopped: state could not be written');
      const t0 = performance.now();
      try {
        const verdicts = await run();
        engine.emit({ type: 'task-stage', id: context.id, stage, status: 'passed', durationMs: performance.now() - t0, ...(verdicts && verdicts.length > 0 ? { verdicts } : {}), ...(onlyGates ? { rechecked: [...onlyGates] } : {}) });
        onlyGates = undefined;
        index++;
        continue;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const verdicts = (error as { verdicts?: GateVerdict[] }).verdicts;
        engine.emit({ type: 'task-stage', id: context.id, stage, status: 'failed', durationMs: performance.now() - t0, message, ...(verdicts ? { verdicts } : {}) });
        if (session.aborted) return finish('cancelled', stage, 'interrupted');
        const exitCode = error instanceof StageFailure ? error.exitCode : undefined;
        const failure: FailureContext = {
          task: context,
          stage,
          error,
          message,
          kind: (error as { kind?: FailureKind }).kind ?? (error as { details?: { kind?: FailureKind } }).details?.kind ?? (stage === 'dependencies' ? 'dependency' : 'error'),
          attempt: context.attempt,
          ...(exitCode === undefined ? {} : { exitCode }),
          ...(verdicts ? { verdicts: verdicts.filter((v) => v.status === 'fail') } : {}),
        };
        let decision: RecoveryDecision | undefined;
        try {
          decision = await hooks.recover.promise(failure);
        } catch (recoveryError) {
          const why = recoveryError instanceof Error ? recoveryError.message : String(recoveryError);
          return finish('failed', stage, `${message}; recovery failed: ${why}`, exitCode);
        }
        if (decision) {
          const { action, strategy, message: said } = decision;
          engine.emit({
            type: 'task-recovery',
            id: context.id,
            stage,
            strategy,
            action,
            attempt: context.attempt,
            message: said,
            ...(action === 'retry' && decision.delayMs ? { delayMs: decision.delayMs } : {}),
            ...(action === 'retry' && decision.fromStep !== undefined ? { fromStep: decision.fromStep } : {}),
            ...('details' in decision && decision.details !== undefined ? { details: decision.details } : {}),
          });
        }
        if (!decision || decision.action === 'fail') return finish('failed', stage, decision ? withRecoveryNote(message, decision.strategy, decision.message) : message, exitCode);
        if (decision.action === 'pause') return finish('failed', stage, message, exitCode, { reason: decision.reason, todo: decision.todo });
        if (context.attempt >= MAX_ATTEMPTS) return finish('failed', stage, `${message} (gave up after ${MAX_ATTEMPTS} attempts)`, exitCode);
        if (decision.delayMs && !(await sleep(decision.delayMs, session))) return finish('cancelled', stage, 'interrupted');
        context.attempt++;
        delete context.result;
        if (decision.fromStep === undefined) delete context.fromStep;
        else context.fromStep = decision.fromStep;
        onlyGates = decision.gates ? new Set(decision.gates) : undefined;
        const from = decision.fromStage ?? stage;
        index = stages.findIndex(([name]) => name === from);
        if (index < 0) return finish('failed', stage, `${message} (recovery named an unknown stage '${from}')`, exitCode);
        arm();
      }
    }
    return finish('succeeded');
  } finally {
    if (handle) clearTimeout(handle);
  }

  function finish(status: TaskStatus, stage?: string, error?: string, exitCode?: number, intervention?: TaskOutcome['intervention']): TaskOutcome {
    const outcome: TaskOutcome = { id: context.id, status, durationMs: performance.now() - started };
    // An exit code 0 says nothing about a failure at a later stage.
    const code = exitCode ?? context.result?.exitCode;
    if (code !== undefined && (status === 'succeeded' || code !== 0)) outcome.exitCode = code;
    if (stage !== undefined && status !== 'succeeded') outcome.stage = stage;
    if (error !== undefined) outcome.error = error;
    if (status === 'failed') {
      outcome.tail = context.log.tail();
      const tailAt = context.log.tailAt?.();
      if (tailAt) outcome.tailAt = tailAt;
      const firstError = context.log.firstError?.();
      if (firstError) outcome.firstError = firstError;
    }
    if (context.log.files) outcome.log = underRoot(context.root, context.log.files.log);
    // A task a worker ran was restored here from the remote cache: the worker's answer is what it did.
    const remote = context.data.get(RAN_ON_WORKER) as Pick<TaskOutcome, 'worker' | 'cached'> | undefined;
    if (remote?.worker) outcome.worker = remote.worker;
    const cached = remote ? remote.cached : (context.data.get('orch:cached') as TaskOutcome['cached']);
    if (cached && status === 'succeeded') outcome.cached = cached;
    const hash = context.data.get('orch:hash') as string | undefined;
    if (hash) outcome.hash = hash;
    if (context.attempt > 1) outcome.attempts = context.attempt;
    if (intervention) outcome.intervention = intervention;
    return outcome;
  }
}

/**
 * `path` relative to `root`, both absolute and normalised (joined): a log is nearly always
 * inside the repository, where slicing the prefix off is what `relative` would return, at a
 * fraction of its cost (it runs for every task of a full hit).
 */
function underRoot(root: string, path: string): string {
  return path.length > root.length + 1 && path.startsWith(root) && path[root.length] === sep && !root.endsWith(sep) ? path.slice(root.length + 1) : relative(root, path);
}

/** The stages that judge a task's execution: a cache hit skips them. */
const JUDGE_EXECUTION: ReadonlySet<PipelineStage> = new Set(['postValidate', 'qaGates']);

/** Whether the cache answered the task (its deploy stage restored an entry): nothing runs, the log is replayed. */
function answeredByCache(context: TaskContext): boolean {
  return context.data.get('orch:cached') !== undefined;
}

/** Waits `ms`; false when the run was interrupted meanwhile. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Refuses a run that could never start a task: too heavy, or an unknown resource. */
function checkCapacity(contexts: readonly TaskContext[], options: RunOptions): void {
  const diagnostics: Diagnostic[] = [];
  for (const context of contexts) {
    const weight = context.profile!.weight;
    if (weight > options.concurrency) {
      diagnostics.push({
        severity: 'error',
        code: 'run/weight-above-concurrency',
        message: `${context.id} has weight ${weight}, above the concurrency of ${options.concurrency}: it could never start`,
        location: context.command.location,
        hint: `run with --concurrency ${weight} or more, or lower its weight`,
      });
    }
    for (const [name, count] of Object.entries(context.command.metadata.resources ?? {})) {
      const capacity = Object.hasOwn(options.resources, name) ? options.resources[name] : undefined;
      if (capacity === undefined) {
        diagnostics.push({
          severity: 'error',
          code: 'run/unknown-resource',
          message: `${context.id} asks for the resource '${name}', which is not declared`,
          location: context.command.location,
          hint: didYouMean(name, Object.keys(options.resources)) ?? `declare it in orchestrator.config.ts: resources: { ${name}: 1 }`,
        });
      } else if (count > capacity) {
        diagnostics.push({ severity: 'error', code: 'run/resource-above-capacity', message: `${context.id} asks for ${count} of '${name}', which has ${capacity}`, location: context.command.location });
      }
    }
  }
  if (diagnostics.length > 0) throw new OrchError('run-invalid', `the run cannot start: ${diagnostics.length === 1 ? diagnostics[0]!.message : `${diagnostics.length} problems`}`, { diagnostics });
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
