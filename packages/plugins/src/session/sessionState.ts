import { nameTable, type BreakerSnapshot, type ProcessIdentity, type RunSummary, type SessionInfo, type TaskOutcome } from '@orch/engine';
import type { LoggedEvent } from './SessionLog.js';

/** `watching`: an `orch watch` whose process lives; `stopped`: one that ended (Ctrl-C or killed). */
export type SessionStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'awaiting-intervention' | 'watching' | 'stopped';
export type TaskRecordStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'awaiting-intervention';

/** What the session knows about one task. */
export interface TaskRecord {
  status: TaskRecordStatus;
  hash?: string;
  /** Steps completed in the current attempt (a restart begins after them). */
  completedSteps: number;
  attempts: number;
  /** How many times the task finished successfully in this session (resumes included). */
  completions: number;
  /**
   * When the task last finished successfully by running or from the cache (ms since the epoch;
   * absent in records written before it was kept): `orch resume` takes an output changed after
   * it for one the task did not make.
   */
  finishedAt?: number;
  stage?: string;
  error?: string;
  intervention?: { reason: string; todo: string };
  /**
   * Its log from the latest run that ran it, relative to the workspace root: the session's
   * `logs/<session>/<task>.log`, or the cache entry's log a hit replayed (`orch logs`).
   */
  log?: string;
  /** The worker that ran it last (`orch run --distribute`, docs/distributed.md); absent when the session's own process did. */
  worker?: string;
}

/** A session's state: a fold over its events. */
export interface SessionState {
  id: string;
  info?: SessionInfo;
  /** Runs of the session (1 + resumes). */
  runs: number;
  status: SessionStatus;
  startedAt?: number;
  updatedAt?: number;
  /** Task ids of the latest plan, in order. */
  plan: string[];
  tasks: Record<string, TaskRecord>;
  breakers: Record<string, BreakerSnapshot>;
  /**
   * Process groups the session's tasks started and that may still run, by group id: recorded
   * when one starts, dropped once nothing of it is left. What remains after orch was killed is
   * ended by the next run (`endOrphanedProcesses`).
   */
  processes: Record<string, ProcessIdentity & { task: string }>;
  summary?: Omit<RunSummary, 'tasks'>;
  /** Events folded. */
  events: number;
}

export function emptyState(id: string): SessionState {
  return { id, runs: 0, status: 'running', plan: [], tasks: nameTable(), breakers: nameTable(), processes: nameTable(), events: 0 };
}

/**
 * A state read back from a snapshot, with its tables keyed by task id made prototype-free again
 * (JSON gives plain objects, where a task named `constructor` would find `Object`'s).
 */
export function reviveState(state: SessionState): SessionState {
  return { ...state, tasks: nameTable(state.tasks), breakers: nameTable(state.breakers), processes: nameTable(state.processes) };
}

/** Applies one event to the state (in place) and returns it. */
export function foldEvent(state: SessionState, event: LoggedEvent): SessionState {
  state.events++;
  state.updatedAt = event.t;
  const task = (id: string): TaskRecord => (state.tasks[id] ??= { status: 'pending', completedSteps: 0, attempts: 0, completions: 0 });
  switch (event.type) {
    case 'session-started': {
      const info = event.session as SessionInfo;
      state.info ??= info;
      state.runs++;
      state.startedAt ??= event.t;
      state.status = info.watch ? 'watching' : 'running';
      delete state.summary;
      break;
    }
    case 'run-started':
      state.plan = (event.tasks as { id: string }[]).map((t) => t.id);
      for (const id of state.plan) task(id);
      // A watch's cycle runs its tasks afresh: their attempts are this cycle's, not a sum over the watch.
      if (state.info?.watch) for (const id of state.plan) Object.assign(task(id), { attempts: 0, completedSteps: 0 });
      break;
    case 'task-started': {
      const record = task(event.id as string);
      record.status = 'running';
      record.attempts++;
      delete record.error;
      delete record.intervention;
      break;
    }
    case 'task-hashed':
      task(event.id as string).hash = event.hash as string;
      break;
    case 'task-step':
      if (event.status === 'passed') {
        const record = task(event.id as string);
        record.completedSteps = Math.max(record.completedSteps, (event.index as number) + 1);
      }
      break;
    case 'task-recovery':
      if (event.action === 'retry') {
        const record = task(event.id as string);
        record.completedSteps = (event.fromStep as number | undefined) ?? 0;
        record.attempts++;
      }
      break;
    case 'task-finished': {
      const outcome = event.outcome as TaskOutcome;
      const record = task(outcome.id);
      if (outcome.hash) record.hash = outcome.hash;
      if (outcome.stage) record.stage = outcome.stage;
      if (outcome.error) record.error = outcome.error;
      // A task done before and not run again keeps the log of the run that made it.
      if (outcome.log) record.log = outcome.log;
      else if (!outcome.resumed) delete record.log;
      if (outcome.worker) record.worker = outcome.worker;
      else if (!outcome.resumed) delete record.worker;
      if (outcome.status === 'succeeded') {
        record.status = 'succeeded';
        if (!outcome.resumed) {
          record.completions++;
          record.finishedAt = event.t;
        }
      } else if (outcome.intervention) {
        record.status = 'awaiting-intervention';
        record.intervention = outcome.intervention;
      } else record.status = outcome.status;
      break;
    }
    case 'task-process': {
      const identity = event.process as ProcessIdentity;
      if (event.state === 'started') state.processes[identity.pid] = { ...identity, task: event.id as string };
      else delete state.processes[identity.pid];
      break;
    }
    case 'breaker': {
      const { key, state: breakerState, failures, until } = event as unknown as { key: string; state: BreakerSnapshot['state']; failures: number; until?: number };
      state.breakers[key] = { state: breakerState, failures: Array.from({ length: failures }, () => event.t), ...(until ? { openUntil: until } : {}) };
      break;
    }
    case 'run-finished': {
      const { tasks: _tasks, ...summary } = event.summary as RunSummary;
      state.summary = summary;
      // A watch's cycles end one by one; the watch goes on.
      if (state.info?.watch) break;
      state.status = summary.interrupted ? 'interrupted' : summary.awaitingIntervention > 0 ? 'awaiting-intervention' : summary.failed > 0 ? 'failed' : 'completed';
      break;
    }
  }
  return state;
}

/** The status of a session as its process left it: one still `running` or `watching` when that process is gone did not end by itself. */
export function settledStatus(status: SessionStatus, live: boolean): SessionStatus {
  if (live) return status;
  return status === 'running' ? 'interrupted' : status === 'watching' ? 'stopped' : status;
}

export function foldEvents(state: SessionState, events: readonly LoggedEvent[]): SessionState {
  for (const event of events) foldEvent(state, event);
  return state;
}
