import type { CommandRegistry } from '../commands/CommandRegistry.js';
import type { TaskGraph } from '../graph/TaskGraph.js';
import { didYouMean } from '../diagnostics/closestMatches.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Engine } from '../Engine.js';
import type { PlannedTask, RunSummary, TaskOutcome } from '../events.js';
import { OrchError } from '../OrchError.js';
import type { GateContext, GateVerdict, ResourceProfile, TaskContext, TaskStatus } from '../pipeline/TaskContext.js';
import { Scheduler, type ContinueMode } from '../scheduler/Scheduler.js';

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
  /** Past durations by task id, for priorities. */
  expectedDurations?: Readonly<Record<string, number>>;
}

/** How the reference design names each gate stage in its reports. */
export const STAGE_TITLES = { preGates: 'Quality gates', postValidate: 'Post-execution validation', qaGates: 'Quality assurance gates' } as const;

const DEFAULT_PROFILE: ResourceProfile = { timeout: Number.POSITIVE_INFINITY, weight: 1, retries: 0, budgetPoints: 1, maxTurns: 10 };
const TAIL_LINES = 12;

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
  const contexts = new Map<string, TaskContext & { log: { stream: 'stdout' | 'stderr'; text: string }[] }>();
  const statuses = new Map<string, TaskStatus>();

  for (const planned of options.plan) {
    const command = options.registry.commands.get(planned.id)!;
    const log: { stream: 'stdout' | 'stderr'; text: string }[] = [];
    const dependencies = new Map<string, TaskStatus>();
    contexts.set(planned.id, {
      id: planned.id,
      command,
      args: options.requested.has(planned.id) ? [...options.args] : [],
      root: engine.config.root,
      stateDir: engine.config.stateDir,
      signal: options.signal,
      log,
      dependencies,
      only: options.only,
      outsideDependencies: planned.outside,
      data: new Map(),
      budgetSpent: 0,
      budget: engine.config.complexityBudget,
      commands: options.registry.commands,
      graph: options.graph,
      agents: options.registry.agents,
      output(stream, text) {
        log.push({ stream, text });
        engine.emit({ type: 'task-output', id: planned.id, stream, text });
      },
    });
  }

  // Stage 3 for all tasks up front: the scheduler needs every weight and resource.
  for (const context of contexts.values()) {
    const t0 = performance.now();
    await hooks.triage.promise(context);
    context.profile ??= { ...DEFAULT_PROFILE };
    engine.emit({ type: 'task-stage', id: context.id, stage: 'triage', status: 'passed', durationMs: performance.now() - t0 });
  }
  checkCapacity([...contexts.values()], options);

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
  const record = (outcome: TaskOutcome): void => {
    outcomes.set(outcome.id, outcome);
    statuses.set(outcome.id, outcome.status);
    engine.emit({ type: 'task-finished', outcome });
  };
  const skip = (ids: readonly string[], why: string): void => {
    for (const id of ids) record({ id, status: 'skipped', durationMs: 0, error: why });
  };

  const onAbort = (): void => skip(scheduler.stop(), 'not started: the run was interrupted');
  options.signal.addEventListener('abort', onAbort, { once: true });
  const running = new Map<string, Promise<void>>();
  const budget = { spent: 0 };
  const launch = (): void => {
    for (const id of scheduler.takeReady()) {
      const context = contexts.get(id)!;
      for (const dep of options.plan.find((p) => p.id === id)!.dependencies) (context.dependencies as Map<string, TaskStatus>).set(dep, statuses.get(dep)!);
      running.set(
        id,
        runPipeline(engine, context, budget).then((outcome) => {
          running.delete(id);
          record(outcome);
          if (outcome.status === 'cancelled') return;
          const skipped = scheduler.finish(id, outcome.status === 'succeeded' ? 'succeeded' : 'failed');
          skip(skipped, outcome.status === 'succeeded' ? 'not started' : `not started: ${id} failed`);
        }),
      );
    }
  };
  try {
    launch();
    while (running.size > 0) {
      await Promise.race(running.values());
      launch();
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
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
    interrupted: options.signal.aborted,
  };
  engine.emit({ type: 'run-finished', summary });
  return summary;
}

/**
 * Stages 4–10 for one task. The task's complexity points are charged to the session's budget
 * when its pre-execution gates start (so tasks running side by side cannot both slip under the
 * limit) and refunded if the gates refuse it.
 */
async function runPipeline(engine: Engine, context: TaskContext, budget: { spent: number }): Promise<TaskOutcome> {
  const { hooks } = engine;
  const started = performance.now();
  engine.emit({ type: 'task-started', id: context.id });

  const timeout = context.profile!.timeout;
  const timer = new AbortController();
  const handle = Number.isFinite(timeout) ? setTimeout(() => timer.abort(new Error(`timed out after ${formatMs(timeout)}`)), timeout) : undefined;
  const session = context.signal;
  (context as { signal: AbortSignal }).signal = AbortSignal.any([session, timer.signal]);

  const metrics = new Map<string, number>();
  const gates = async (stage: GateContext['stage'], hook: typeof hooks.preGates): Promise<GateVerdict[]> => {
    const verdicts: GateVerdict[] = [];
    await hook.promise({ task: context, stage, metrics, report: (verdict) => void verdicts.push(verdict) });
    const failed = verdicts.filter((v) => v.status === 'fail');
    if (failed.length > 0) {
      const passed = verdicts.filter((v) => v.status !== 'fail').length;
      throw Object.assign(new StageFailure(stage, `${STAGE_TITLES[stage]} failed (${passed}/${verdicts.length}): ${failed.map((v) => `${v.gate}: ${v.message}`).join('; ')}`), { verdicts });
    }
    return verdicts;
  };

  const stages: [string, () => Promise<GateVerdict[] | void>][] = [
    ['dependencies', () => hooks.dependencies.promise(context)],
    [
      'preGates',
      async () => {
        const points = context.profile!.budgetPoints;
        context.budgetSpent = budget.spent;
        budget.spent += points;
        try {
          return await gates('preGates', hooks.preGates);
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
        if (!deployed) throw new StageFailure('deploy', `no executor can run ${context.id}: it has no run steps, no module and is not a prompt`);
        context.executor = deployed.executor;
      },
    ],
    [
      'execute',
      async () => {
        const executor = context.executor!;
        const hook = hooks.execute.get(executor);
        if (!hook || hook.taps.length === 0) throw new StageFailure('execute', `no executor plugin runs '${executor}' tasks; add one, or check disablePlugins`);
        const result = await hook.promise(context);
        if (!result) throw new StageFailure('execute', `the '${executor}' executor returned no result for ${context.id}`);
        context.result = result;
        if (timer.signal.aborted) throw new StageFailure('execute', (timer.signal.reason as Error).message, result.exitCode);
        if (result.exitCode !== 0) throw new StageFailure('execute', result.message ?? `exited with code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`, result.exitCode);
      },
    ],
    ['postValidate', () => gates('postValidate', hooks.postValidate)],
    ['qaGates', () => gates('qaGates', hooks.qaGates)],
    ['persist', () => hooks.persist.promise(context)],
  ];

  try {
    for (const [stage, run] of stages) {
      if (session.aborted) return finish('cancelled', stage, 'interrupted');
      const t0 = performance.now();
      try {
        const verdicts = await run();
        engine.emit({ type: 'task-stage', id: context.id, stage, status: 'passed', durationMs: performance.now() - t0, ...(verdicts && verdicts.length > 0 ? { verdicts } : {}) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const verdicts = (error as { verdicts?: GateVerdict[] }).verdicts;
        engine.emit({ type: 'task-stage', id: context.id, stage, status: 'failed', durationMs: performance.now() - t0, message, ...(verdicts ? { verdicts } : {}) });
        if (session.aborted) return finish('cancelled', stage, 'interrupted');
        await hooks.recover.promise({ task: context, stage: stage as never, error, attempt: 1 });
        return finish('failed', stage, message, error instanceof StageFailure ? error.exitCode : undefined);
      }
    }
    return finish('succeeded');
  } finally {
    if (handle) clearTimeout(handle);
  }

  function finish(status: TaskStatus, stage?: string, error?: string, exitCode?: number): TaskOutcome {
    const outcome: TaskOutcome = { id: context.id, status, durationMs: performance.now() - started };
    // An exit code 0 says nothing about a failure at a later stage.
    const code = exitCode ?? context.result?.exitCode;
    if (code !== undefined && (status === 'succeeded' || code !== 0)) outcome.exitCode = code;
    if (stage !== undefined && status !== 'succeeded') outcome.stage = stage;
    if (error !== undefined) outcome.error = error;
    if (status === 'failed') outcome.tail = tailLines(context.log);
    const cached = context.data.get('orch:cached') as TaskOutcome['cached'];
    if (cached && status === 'succeeded') outcome.cached = cached;
    const hash = context.data.get('orch:hash') as string | undefined;
    if (hash) outcome.hash = hash;
    return outcome;
  }
}

function tailLines(log: readonly { text: string }[]): string[] {
  const lines = log.map((entry) => entry.text).join('').split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-TAIL_LINES);
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
      const capacity = options.resources[name];
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
