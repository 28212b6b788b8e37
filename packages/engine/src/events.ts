import type { EnvMode } from './config/envPattern.js';
import type { BreakerSnapshot } from './recovery/CircuitBreaker.js';
import type { GateVerdict, TaskStatus } from './pipeline/TaskContext.js';

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
  /** The last lines it printed, for the failure summary. */
  tail?: string[];
  /** Restored from the cache instead of run. */
  cached?: 'local' | 'remote';
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
  request: { names: string[]; args: string[]; only: boolean; continue: string; concurrency: number; envMode?: EnvMode };
  /** The command line, for people. */
  argv: string[];
  pid: number;
  host: string;
  startedAt: string;
  /** Set when this is `orch resume` continuing the session. */
  resumed?: boolean;
  /** Circuit breakers as the session left them (on resume). */
  breakers?: Record<string, BreakerSnapshot>;
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
  | { type: 'task-hashed'; id: string; hash: string }
  | ({ type: 'task-recovery' } & RecoveryRecord)
  | { type: 'compensation'; id: string; step: number; name: string; status: 'passed' | 'failed'; durationMs: number; message?: string }
  | { type: 'breaker'; key: string; state: 'closed' | 'open' | 'half-open'; failures: number; until?: number }
  | { type: 'task-finished'; outcome: TaskOutcome }
  | { type: 'agent-finished'; id: string; agent: AgentResult }
  | { type: 'run-interrupted'; signal: string }
  | { type: 'run-finished'; summary: RunSummary };

export type OrchEventType = OrchEvent['type'];
