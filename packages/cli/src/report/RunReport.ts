import type { GateVerdict, PlannedTask, RunSummary, SessionInfo, TaskOutcome } from '@orch/engine';
import { criticalPath } from './criticalPath.js';

/** What became of a task in the run: a `TaskOutcome` status, or why it has none. */
export type ReportTaskStatus = TaskOutcome['status'] | 'awaiting-intervention' | 'running' | 'not-run';

/** A gate's verdict on a task, with the stage that asked it. */
export interface ReportGate extends Pick<GateVerdict, 'gate' | 'status' | 'message'> {
  stage: string;
}

/** One task of a run report: a node of the graph and a bar of the timeline. */
export interface ReportTask {
  id: string;
  status: ReportTaskStatus;
  /** Dependencies among the report's tasks (the edges of the graph). */
  dependencies: string[];
  hash?: string;
  /** `hit` when restored from the local or remote cache (`source` says which), `miss` when it ran. Absent when it neither ran nor was restored. */
  cache?: { status: 'hit' | 'miss'; source?: 'local' | 'remote' };
  /** Completed in an earlier run of the session and not run again (`orch resume`). */
  resumed?: boolean;
  /** The worker that ran it (`orch run --distribute`). */
  worker?: string;
  /** Ms since the epoch; absent for a task that did not start. */
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  exitCode?: number;
  attempts?: number;
  /** The stage it failed at, and what went wrong. */
  stage?: string;
  error?: string;
  gates: ReportGate[];
  /** Its log file, relative to the workspace root. */
  log?: string;
  /** The last lines of its log (see `logTail`), filled in by the caller. */
  logTail?: string[];
  /** Input files its hash covers (the task's hash record in `.orch/records/`), filled in by the caller. */
  inputs?: number;
  /** On the critical path. */
  critical: boolean;
}

/** Everything an HTML report or a run summary shows, for one session or one graph. */
export interface RunReport {
  /** `run`: a session's run; `graph`: a task graph that has not run (durations are past ones). */
  kind: 'run' | 'graph';
  title: string;
  session?: { id: string; argv: string[]; status: string; concurrency?: number; runs: number };
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  summary?: Omit<RunSummary, 'tasks'>;
  /** In dependency order. */
  tasks: ReportTask[];
  /** Ids from the first task of the chain to the last. */
  criticalPath: string[];
  generatedAt: string;
  orchVersion: string;
}

/** An event as the session log stores it: the engine's event and when it happened (ms since the epoch). */
export type ReportEvent = { t: number; type: string } & Record<string, unknown>;

/**
 * A session's run as a report, from its log's events (`readLog`): the plan of its latest run
 * (`run-started`: tasks and edges), each task's start (`task-started`), hash (`task-hashed`),
 * gate verdicts (`task-stage`) and outcome (`task-finished`, whose time and `durationMs` place
 * it on the timeline even when its start was not logged). A task a resume did not run again
 * keeps what the earlier run recorded. The critical path weighs each task by its duration.
 */
export function runReportFromEvents(events: readonly ReportEvent[], options: { id: string; status: string; orchVersion: string }): RunReport {
  const tasks = new Map<string, ReportTask>();
  let plan: PlannedTask[] = [];
  let info: SessionInfo | undefined;
  let concurrency: number | undefined;
  let runs = 0;
  let summary: RunSummary | undefined;
  const task = (id: string): ReportTask => {
    let record = tasks.get(id);
    if (!record) tasks.set(id, (record = { id, status: 'not-run', dependencies: [], gates: [], critical: false }));
    return record;
  };
  for (const event of events) {
    switch (event.type) {
      case 'session-started':
        info ??= event.session as SessionInfo;
        runs++;
        summary = undefined;
        break;
      case 'run-started':
        // A watch's cycles each plan what they re-run: its report holds every task any of them ran.
        plan = info?.watch ? [...new Map([...plan, ...(event.tasks as PlannedTask[])].map((planned) => [planned.id, planned])).values()] : (event.tasks as PlannedTask[]);
        concurrency = event.concurrency as number;
        break;
      case 'task-started': {
        const record = task(event.id as string);
        Object.assign(record, { status: 'running', startedAt: event.t, gates: [] });
        for (const key of ['finishedAt', 'durationMs', 'exitCode', 'stage', 'error', 'cache', 'resumed'] as const) delete record[key];
        break;
      }
      case 'task-hashed':
        task(event.id as string).hash = event.hash as string;
        break;
      case 'task-stage':
        for (const verdict of (event.verdicts as GateVerdict[] | undefined) ?? []) task(event.id as string).gates.push({ stage: event.stage as string, gate: verdict.gate, status: verdict.status, message: verdict.message });
        break;
      case 'task-finished':
        finish(task((event.outcome as TaskOutcome).id), event.outcome as TaskOutcome, event.t);
        break;
      case 'run-finished':
        summary = event.summary as RunSummary;
        break;
    }
  }
  const planned = new Set(plan.map((p) => p.id));
  const ordered = plan.map((p) => Object.assign(task(p.id), { dependencies: p.dependencies.filter((d) => planned.has(d)) }));
  const path = criticalPath(ordered, (id) => tasks.get(id)?.durationMs ?? 0);
  for (const id of path) tasks.get(id)!.critical = true;
  const started = ordered.map((t) => t.startedAt).filter((t) => t !== undefined);
  const finished = ordered.map((t) => t.finishedAt).filter((t) => t !== undefined);
  const { tasks: _outcomes, ...totals } = summary ?? { tasks: [] };
  return {
    kind: 'run',
    title: `orch ${info?.argv.join(' ') ?? ''}`.trim(),
    session: { id: options.id, argv: info?.argv ?? [], status: options.status, ...(concurrency ? { concurrency } : {}), runs },
    ...(started.length > 0 ? { startedAt: started.reduce((a, b) => Math.min(a, b)) } : {}),
    ...(finished.length > 0 ? { finishedAt: finished.reduce((a, b) => Math.max(a, b)) } : {}),
    ...(summary ? { durationMs: summary.durationMs, summary: totals as Omit<RunSummary, 'tasks'> } : {}),
    tasks: ordered,
    criticalPath: path,
    generatedAt: new Date().toISOString(),
    orchVersion: options.orchVersion,
  };
}

function finish(record: ReportTask, outcome: TaskOutcome, at: number): void {
  // A resume that found the task done (same hash) did not run it: the earlier run's record stands.
  if (outcome.resumed && record.finishedAt !== undefined) {
    record.resumed = true;
    return;
  }
  record.status = outcome.intervention ? 'awaiting-intervention' : outcome.status;
  record.finishedAt = at;
  record.durationMs = outcome.durationMs;
  record.startedAt ??= at - outcome.durationMs;
  if (outcome.resumed) record.resumed = true;
  if (outcome.hash) record.hash = outcome.hash;
  if (outcome.worker) record.worker = outcome.worker;
  if (outcome.exitCode !== undefined) record.exitCode = outcome.exitCode;
  if (outcome.attempts !== undefined) record.attempts = outcome.attempts;
  if (outcome.stage) record.stage = outcome.stage;
  if (outcome.error) record.error = outcome.error;
  if (outcome.log) record.log = outcome.log;
  if (outcome.cached) record.cache = { status: 'hit', source: outcome.cached };
  else if (outcome.status === 'succeeded' || outcome.status === 'failed') record.cache = { status: 'miss' };
}
