import type { BreakerSnapshot } from './recovery/CircuitBreaker.js';
import type { GateVerdict, TaskStatus } from './pipeline/TaskContext.js';
import type { FirstError } from './run/ErrorExcerpt.js';
import type { TailLine } from './run/OutputTail.js';

/** Why a task is part of a run, for `--dry-run` and reports. */
export type PlanReason = { kind: 'requested'; as: string } | { kind: 'dependency'; of: string; spec: string };

export interface PlannedTask {
  id: string;
  reasons: PlanReason[];
  /** Dependencies that run in this plan. */
  dependencies: string[];
  /** Dependencies left out of this plan (`--only`). */
  outside: string[];
}

export interface TaskOutcome {
  id: string;
  status: TaskStatus;
  durationMs: number;
  exitCode?: number;
  /** The stage where it failed. */
  stage?: string;
  /** What went wrong, for a person. */
  error?: string;
  /** The last lines it printed, for the failure summary (bounded: see `TaskOutputLog.tail`). */
  tail?: string[];
  /** Where each `tail` line is in the log (its line number, the blank lines right before it): the summary says what it leaves out. */
  tailAt?: TailLine[];
  /** The first error-looking line it printed, with the lines around it and its line in the log, for the failure summary (`ErrorExcerpt`). */
  firstError?: FirstError;
  /** Its log file (everything it printed this run), relative to the workspace root; absent when it printed nothing. */
  log?: string;
  /** Restored from the cache instead of run (by the worker that answered, for a distributed task). */
  cached?: 'local' | 'remote';
  /** The worker that ran it (`orch run --distribute`: docs/distributed.md); absent when this process did. */
  worker?: string;
  /** The task's hash, when the cache computed one. */
  hash?: string;
  /** Completed in an earlier run of this session, with the same hash: not run again on resume. */
  resumed?: boolean;
  /** Attempts made (more than 1 after a retry or partial recovery). */
  attempts?: number;
  /** Paused for a person (manual intervention): why, and what to do. */
  intervention?: { reason: string; todo: string };
}

/** Who runs a session and what was asked, recorded first in its log. */
export interface SessionInfo {
  id: string;
  /** What the user ran, replayed by `orch resume`. */
  request: {
    /** Names as typed, or the task ids when options chose among them (`--projects`, `orch affected`). */
    names: string[];
    args: string[];
    /** The settled `--only`, `--continue` and concurrency (for people; and what older sessions recorded). */
    only: boolean;
    continue: string;
    concurrency: number;
    /** The run's options as given that `orch resume` applies again (`--force`, `--cache=local:r`, `--concurrency 50%`). */
    options?: Record<string, string | boolean | string[]>;
    /** The config file the run used (`--config`), relative to the workspace root. */
    config?: string;
  };
  /** The command line, for people. */
  argv: string[];
  pid: number;
  host: string;
  startedAt: string;
  /** Set when this is `orch resume` continuing the session. */
  resumed?: boolean;
  /**
   * Set when this is `orch watch`: its cycles and persistent tasks are recorded in one session
   * (status `watching` while it lives, `stopped` after), which `orch resume` does not take
   * (docs/watch.md).
   */
  watch?: boolean;
  /** Circuit breakers as the session left them (on resume). */
  breakers?: Record<string, BreakerSnapshot>;
}

/**
 * Identifies a process for certain: a pid alone may since belong to an unrelated process, so
 * orch never signals a recorded pid whose start time differs.
 */
export interface ProcessIdentity {
  pid: number;
  /** When it started: clock ticks after boot (`/proc/<pid>/stat` field 22). Absent without /proc. */
  startTime?: number;
  /** The boot it started in (`/proc/sys/kernel/random/boot_id`): after a reboot nothing recorded is alive. */
  boot?: string;
}

/** The orch process that holds a task's claim (another run in the same repository). */
export interface ClaimHolder extends ProcessIdentity {
  host: string;
  /** Its session, when it has one. */
  session?: string;
}

/** What a recovery strategy decided for a failure. */
export interface RecoveryRecord {
  id: string;
  stage: string;
  strategy: string;
  action: 'retry' | 'fail' | 'pause';
  /** The attempt that failed (1-based). */
  attempt: number;
  message: string;
  delayMs?: number;
  fromStep?: number;
  details?: unknown;
}

/** What one agent process of a task did. */
export interface AgentResult {
  /** The role (`.claude/agents/<role>.md`), or `default` without one. */
  role: string;
  /** The model it was asked to use, when one was named (the agent's, the command's or `agent.model`). */
  model?: string;
  ok: boolean;
  /** Why it failed: the agent said so, it ran out of turns, its output was not JSON, or its exit code contradicts its result. */
  failure?: 'error' | 'max-turns' | 'non-json' | 'exit-mismatch' | 'not-found' | 'stopped';
  message?: string;
  /** The agent's final answer. */
  result?: string;
  costUsd?: number;
  turns?: number;
  durationMs: number;
  sessionId?: string;
  exitCode?: number;
}

/**
 * What a task's process group used, sampled from /proc (Linux; absent elsewhere and for tasks
 * that run in a worker thread). A task with several groups (run steps) has one record per group:
 * add their CPU times, take the largest peak.
 */
export interface TaskResources {
  /** CPU time (user + system) of the group's processes, in ms: a lower bound, since what a process used after the last sample is not seen. */
  cpuMs: number;
  /** The group's peak resident memory in bytes: the largest sum over a sample, or one process's own peak (VmHWM) if larger. */
  peakRssBytes: number;
  /** Samples taken (every 100 ms while the group runs). */
  samples: number;
}

export interface RunSummary {
  tasks: TaskOutcome[];
  durationMs: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  interrupted: boolean;
  /** Tasks paused for a person (exit code 75). */
  awaitingIntervention: number;
}

/**
 * Everything the engine has to say. The engine never prints: it emits these, and reporter
 * plugins render them.
 */
export type OrchEvent =
  | { type: 'plugins-applied'; plugins: string[] }
  | { type: 'discovery-started'; root: string }
  | { type: 'discovery-finished'; commands: number; agents: number; projects: number; durationMs: number }
  | { type: 'warning'; message: string; source?: string }
  | { type: 'session-started'; session: SessionInfo }
  | { type: 'run-started'; tasks: PlannedTask[]; concurrency: number }
  | { type: 'task-started'; id: string }
  | { type: 'task-stage'; id: string; stage: string; status: 'passed' | 'failed'; durationMs: number; message?: string; verdicts?: GateVerdict[]; rechecked?: string[] }
  | { type: 'task-output'; id: string; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'task-step'; id: string; index: number; name: string; status: 'passed' | 'failed'; durationMs: number }
  /** After deploy: the task's hash, and `cached` when the cache answers it (its output is then a replay). */
  | { type: 'task-hashed'; id: string; hash: string; cached?: 'local' | 'remote' }
  /**
   * A process group a task started (its leader's pid is the group id), recorded in the session
   * log when it starts and when nothing of it is left, so that after orch is killed the next
   * run can end what it left running.
   */
  | { type: 'task-process'; id: string; state: 'started' | 'ended'; process: ProcessIdentity }
  /** What one of a task's process groups used, sampled from /proc until it ended (`TaskResources`). */
  | ({ type: 'task-resources'; id: string } & TaskResources)
  /**
   * Another orch process holds the task (`waiting`; `holder` unknown while it has not named
   * itself yet), or held it and died, leaving it to this one (`taken-over`, with how many
   * processes its session left running were ended).
   */
  | { type: 'task-claim'; id: string; state: 'waiting' | 'taken-over'; holder?: ClaimHolder; ended?: number }
  | ({ type: 'task-recovery' } & RecoveryRecord)
  | { type: 'compensation'; id: string; step: number; name: string; status: 'passed' | 'failed'; durationMs: number; message?: string }
  | { type: 'breaker'; key: string; state: 'closed' | 'open' | 'half-open'; failures: number; until?: number }
  | { type: 'task-finished'; outcome: TaskOutcome }
  /** An agent process of a task starts (its end is `agent-finished`). */
  | { type: 'agent-started'; id: string; role: string; model?: string }
  | { type: 'agent-finished'; id: string; agent: AgentResult }
  | { type: 'run-interrupted'; signal: string }
  | { type: 'run-finished'; summary: RunSummary };

export type OrchEventType = OrchEvent['type'];
