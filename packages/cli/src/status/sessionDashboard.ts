import type { AgentResult, ProcessIdentity, TaskResources } from '@orch/engine';
import { criticalPath } from '../report/criticalPath.js';
import { runReportFromEvents, type ReportEvent, type ReportGate, type ReportTask } from '../report/RunReport.js';

/** The pipeline's stages in order: a running task is in the one after the last it finished. */
const STAGES = ['triage', 'dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist'] as const;

/** A task that is running now. */
export interface ActiveTask {
  id: string;
  /** The stage it is in (the one after the last it finished). */
  stage: string;
  /** The last run step it finished (1-based) and its name. */
  step?: { index: number; name: string };
  elapsedMs: number;
  /** The leader of its running process group. */
  pid?: number;
  /** What its processes used so far (sampled now by the caller, when it can). */
  resources?: TaskResources;
}

/** An agent process of a task. */
export interface AgentStatus {
  task: string;
  role: string;
  model?: string;
  /** `stopped`: it was running when its session stopped. */
  state: 'running' | 'succeeded' | 'failed' | 'stopped';
  turns?: number;
  costUsd?: number;
  durationMs?: number;
  failure?: AgentResult['failure'];
}

/**
 * The reference design's performance dashboard for one session (`orch status`; issue 14 part 1,
 * "Monitoring and Observability"), from its session log. Times are ms; memory is bytes.
 */
export interface SessionDashboard {
  session: { id: string; argv: string[]; status: string; live: boolean; runs: number; concurrency?: number };
  startedAt?: number;
  /** Session start to now (live) or to its last event. */
  elapsedMs: number;
  active: ActiveTask[];
  metrics: {
    tasks: number;
    done: number;
    running: number;
    /** Not started: waiting to run, or (a session no longer going) never run. */
    queued: number;
    failed: number;
    cached: number;
    skipped: number;
    /** Cancelled, or paused for a person. */
    cancelled: number;
    /** Running when the session's orch died (`kill -9`, power loss): cut short, run again by `orch resume`. */
    interrupted: number;
    /** Restored / (restored + ran); absent before any task finished either way. */
    cacheHitRate?: number;
    /** Time left, from past durations (`.orch/durations.json`): the longer of the remaining critical path and the remaining work spread over the concurrency. Absent when nothing is left or the session is not running. */
    estimatedRemainingMs?: number;
    /** CPU time of the tasks' processes (finished groups, and running ones as sampled now). */
    cpuMs: number;
    /** The largest peak resident memory of any task. */
    peakRssBytes: number;
    /** Tasks whose processes were measured. */
    measured: number;
  };
  /** `orch run --distribute`: each worker and the tasks it ran, by name. */
  workers: { name: string; tasks: string[] }[];
  /** Each failed task: the stage it failed at and why. */
  failures: { id: string; stage?: string; error?: string }[];
  agents: AgentStatus[];
  gates: {
    stages: { stage: string; passed: number; total: number }[];
    /** Every failing or warning verdict. */
    problems: (ReportGate & { task: string })[];
  };
  dependencies: {
    /** Each queued task and the dependencies it waits for (not yet succeeded). */
    waiting: { id: string; on: string[] }[];
    /** Weighted by each task's duration, or its past duration while it has none. */
    criticalPath: string[];
  };
}

export interface DashboardOptions {
  id: string;
  status: string;
  live: boolean;
  now: number;
  /** Past durations by task id (`TaskHistory.readDurations`). */
  durations: Readonly<Record<string, number>>;
  orchVersion: string;
  /** What a running process group has used so far; undefined when it cannot be read. */
  sample?: (process: ProcessIdentity) => TaskResources | undefined;
}

/**
 * The dashboard of a session from its log's events (`readLog`), built on its run report
 * (`runReportFromEvents`: outcomes, gates, the plan) and what only a live view needs: each
 * running task's stage, step and process, agents, and measured resources. It tolerates a log in
 * which a cache hit left only its end (`task-finished`).
 */
export function sessionDashboard(events: readonly ReportEvent[], options: DashboardOptions): SessionDashboard {
  const report = runReportFromEvents(events, { id: options.id, status: options.status, orchVersion: options.orchVersion });
  const live = liveDetails(events);
  const byId = new Map(report.tasks.map((t) => [t.id, t]));
  const expected = (t: ReportTask): number => t.durationMs ?? options.durations[t.id] ?? 0;

  const ongoing = options.status === 'running' || options.status === 'watching';
  // A task left running by a session that is no longer going was cut short with it.
  const running = ongoing ? report.tasks.filter((t) => t.status === 'running') : [];
  const interrupted = ongoing ? 0 : report.tasks.filter((t) => t.status === 'running').length;
  const active = running.map((t): ActiveTask => {
    const detail = live.tasks.get(t.id);
    const group = detail?.process;
    const resources = group && options.live ? options.sample?.(group) : undefined;
    return {
      id: t.id,
      stage: detail?.stage ?? STAGES[0],
      ...(detail?.step ? { step: detail.step } : {}),
      elapsedMs: Math.max(0, options.now - (t.startedAt ?? options.now)),
      ...(group ? { pid: group.pid } : {}),
      ...(resources ? { resources } : {}),
    };
  });

  let cpuMs = 0;
  let peakRssBytes = 0;
  const measured = new Set<string>();
  for (const [id, used] of [...live.resources, ...active.flatMap((a) => (a.resources ? [[a.id, a.resources] as const] : []))]) {
    cpuMs += used.cpuMs;
    peakRssBytes = Math.max(peakRssBytes, used.peakRssBytes);
    measured.add(id);
  }

  const count = (...statuses: ReportTask['status'][]): number => report.tasks.filter((t) => statuses.includes(t.status)).length;
  const cached = report.tasks.filter((t) => t.cache?.status === 'hit').length;
  const ran = report.tasks.filter((t) => t.cache?.status === 'miss').length;
  const queued = report.tasks.filter((t) => t.status === 'not-run');
  const remaining = ongoing ? estimateRemaining(report.tasks, active, expected, report.session?.concurrency ?? 1) : undefined;

  const waiting = queued.map((t) => ({ id: t.id, on: t.dependencies.filter((d) => byId.get(d)?.status !== 'succeeded') }));
  const lastEvent = events.at(-1)?.t;
  const startedAt = events.find((e) => e.type === 'session-started')?.t;
  return {
    session: { id: options.id, argv: report.session?.argv ?? [], status: options.status, live: options.live, runs: report.session?.runs ?? 0, ...(report.session?.concurrency ? { concurrency: report.session.concurrency } : {}) },
    ...(startedAt === undefined ? {} : { startedAt }),
    elapsedMs: startedAt === undefined ? 0 : Math.max(0, (ongoing ? options.now : (lastEvent ?? startedAt)) - startedAt),
    active,
    metrics: {
      tasks: report.tasks.length,
      done: count('succeeded'),
      running: running.length,
      queued: queued.length,
      failed: count('failed'),
      cached,
      skipped: count('skipped'),
      cancelled: count('cancelled', 'awaiting-intervention'),
      interrupted,
      ...(cached + ran > 0 ? { cacheHitRate: cached / (cached + ran) } : {}),
      ...(remaining !== undefined && remaining > 0 ? { estimatedRemainingMs: remaining } : {}),
      cpuMs,
      peakRssBytes,
      measured: measured.size,
    },
    workers: workerTasks(report.tasks),
    failures: report.tasks.filter((t) => t.status === 'failed').map((t) => ({ id: t.id, ...(t.stage ? { stage: t.stage } : {}), ...(t.error ? { error: t.error } : {}) })),
    agents: ongoing ? live.agents : live.agents.map((a) => (a.state === 'running' ? { ...a, state: 'stopped' as const } : a)),
    gates: gateSummary(report.tasks),
    dependencies: { waiting, criticalPath: criticalPath(report.tasks, (id) => expected(byId.get(id)!)) },
  };
}

/**
 * Time left: the longer of the remaining critical path (queued tasks at their past duration,
 * running ones at what is left of it) and all remaining work divided by the concurrency.
 */
function estimateRemaining(tasks: readonly ReportTask[], active: readonly ActiveTask[], expected: (t: ReportTask) => number, concurrency: number): number {
  const elapsed = new Map(active.map((a) => [a.id, a.elapsedMs]));
  const left = (t: ReportTask): number => (t.status === 'running' ? Math.max(0, expected(t) - (elapsed.get(t.id) ?? 0)) : t.status === 'not-run' ? expected(t) : 0);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const chain = criticalPath(tasks, (id) => left(byId.get(id)!)).reduce((sum, id) => sum + left(byId.get(id)!), 0);
  const work = tasks.reduce((sum, t) => sum + left(t), 0);
  return Math.round(Math.max(chain, work / Math.max(1, concurrency)));
}

/** The workers of a distributed run, each with the tasks it ran, in the order they appear. */
function workerTasks(tasks: readonly ReportTask[]): SessionDashboard['workers'] {
  const byWorker = new Map<string, string[]>();
  for (const task of tasks) if (task.worker) byWorker.set(task.worker, [...(byWorker.get(task.worker) ?? []), task.id]);
  return [...byWorker].map(([name, ran]) => ({ name, tasks: ran }));
}

function gateSummary(tasks: readonly ReportTask[]): SessionDashboard['gates'] {
  const stages = new Map<string, { passed: number; total: number }>();
  const problems: SessionDashboard['gates']['problems'] = [];
  for (const task of tasks) {
    for (const gate of task.gates) {
      const totals = stages.get(gate.stage) ?? { passed: 0, total: 0 };
      stages.set(gate.stage, totals);
      totals.total++;
      if (gate.status !== 'fail') totals.passed++;
      if (gate.status === 'fail' || gate.status === 'warn') problems.push({ task: task.id, ...gate });
    }
  }
  return { stages: [...stages].map(([stage, totals]) => ({ stage, ...totals })), problems };
}

interface LiveDetails {
  tasks: Map<string, { stage?: string; step?: { index: number; name: string }; process?: ProcessIdentity }>;
  /** Finished process groups' figures, by task. */
  resources: [string, TaskResources][];
  agents: AgentStatus[];
}

/** What the run report leaves out: where each task is now, its process, agents, resources. */
function liveDetails(events: readonly ReportEvent[]): LiveDetails {
  const tasks: LiveDetails['tasks'] = new Map();
  const resources: LiveDetails['resources'] = [];
  const agents: AgentStatus[] = [];
  const detail = (id: string) => {
    let record = tasks.get(id);
    if (!record) tasks.set(id, (record = {}));
    return record;
  };
  for (const event of events) {
    const id = event.id as string;
    switch (event.type) {
      case 'task-started':
        tasks.set(id, {});
        break;
      case 'task-stage': {
        const next = STAGES[STAGES.indexOf(event.stage as (typeof STAGES)[number]) + 1];
        if (event.status === 'passed' && next) detail(id).stage = next;
        break;
      }
      case 'task-step':
        if (event.status === 'passed') detail(id).step = { index: (event.index as number) + 1, name: event.name as string };
        break;
      case 'task-process':
        if (event.state === 'started') detail(id).process = event.process as ProcessIdentity;
        else delete detail(id).process;
        break;
      case 'task-resources':
        resources.push([id, { cpuMs: event.cpuMs as number, peakRssBytes: event.peakRssBytes as number, samples: event.samples as number }]);
        break;
      case 'agent-started':
        agents.push({ task: id, role: event.role as string, ...(event.model ? { model: event.model as string } : {}), state: 'running' });
        break;
      case 'agent-finished': {
        const result = event.agent as AgentResult;
        const started = agents.findLast((a) => a.task === id && a.role === result.role && a.state === 'running');
        const record: AgentStatus = started ?? { task: id, role: result.role, state: 'running' };
        if (!started) agents.push(record);
        Object.assign(record, {
          state: result.ok ? 'succeeded' : 'failed',
          ...(result.model ? { model: result.model } : {}),
          ...(result.turns === undefined ? {} : { turns: result.turns }),
          ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
          durationMs: result.durationMs,
          ...(result.failure ? { failure: result.failure } : {}),
        });
        break;
      }
    }
  }
  return { tasks, resources, agents };
}
