import type { AgentDefinition, CommandDefinition, Project } from '../commands/CommandDefinition.js';
import type { TaskGraph } from '../graph/TaskGraph.js';
import type { PipelineStage } from '../Engine.js';
import type { FirstError } from '../run/ErrorExcerpt.js';
import type { TailLine } from '../run/OutputTail.js';

/** The resources a task is given, from triage (stage 3). */
export interface ResourceProfile {
  /** Milliseconds. */
  timeout: number;
  /** Concurrency slots the task takes. */
  weight: number;
  retries: number;
  /** Points drawn from the session's complexity budget. */
  budgetPoints: number;
  /** Agent turns, for agent tasks. */
  maxTurns: number;
}

/** One task on its way through the pipeline. */
export interface TaskContext {
  id: string;
  command: CommandDefinition;
  /** Arguments after `--`, for the tasks the user named. */
  args: string[];
  /** Absolute workspace root. */
  root: string;
  /** The state folder (config `stateDir`): relative to the root when inside it, absolute when outside; `resolve(root, stateDir)` is the folder. */
  stateDir: string;
  /** Set by triage. */
  profile?: ResourceProfile;
  /** Set by deploy: which executor runs the task. */
  executor?: string;
  /** Aborted on Ctrl-C or when the task's timeout passes; executors stop their work. */
  signal: AbortSignal;
  /**
   * Executors report output here: it goes to the task's log file as it arrives, and to reporters.
   * Returns false, as a stream's `write` does, when orch's own output is congested (a slow reader
   * of its stdout): the producer stops reading its task (pauses the pipes, holds the worker)
   * until `drained()` resolves; the text given is never dropped.
   */
  output(stream: 'stdout' | 'stderr', text: string): boolean;
  /** Resolves once orch's output can take more task output (at once when it can). */
  drained(): Promise<void>;
  /** What the task printed: a file in the state folder, with only its last lines in memory. */
  readonly log: TaskOutputLog;
  /** Set by the execute stage. */
  result?: ExecutionResult;
  /** Ids of the tasks this one depends on in this run, and how each ended. */
  dependencies: ReadonlyMap<string, TaskStatus>;
  /** True when the run was started with --only: dependencies outside it were not run. */
  only: boolean;
  /** Dependencies of the task that are not part of this run (with --only). */
  outsideDependencies: readonly string[];
  /** Every known command, by id (for gates that run other commands). */
  readonly commands: ReadonlyMap<string, CommandDefinition>;
  /** The whole task graph (dependencies of dependencies, for hashing). */
  readonly graph: TaskGraph;
  /** Agent roles from `.claude/agents`, by name. */
  readonly agents: ReadonlyMap<string, AgentDefinition>;
  /** Workspace packages, by name (for hashing). */
  readonly projects: ReadonlyMap<string, Project>;
  /** Per-task scratch space for plugins (a snapshot taken before execution, agent results). */
  readonly data: Map<string, unknown>;
  /** Points of the session's complexity budget spent by tasks started before this one. */
  budgetSpent: number;
  /** The session's complexity budget (config `complexityBudget`). */
  readonly budget: number;
  /** The session this task runs in. */
  readonly sessionId?: string;
  /** 1 on the first attempt; more after a retry or partial recovery. */
  attempt: number;
  /** Executors start at this step (0-based): steps before it completed earlier (resume, partial recovery). */
  fromStep?: number;
  /**
   * Makes everything emitted so far durable (the `checkpoint` hook): executors call it after a
   * step completes, before the next starts, so a resume restarts from that step. False when the
   * state could not be written: the run is stopping.
   */
  checkpoint(): Promise<boolean>;
}

/** A piece of a task's output, as an executor reported it or as read back from its log. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * A task log's files: `log` holds the bytes the task printed, both streams in the order they
 * arrived, colours kept; `streams` is its index, a line `<byte offset> <stdout|stderr>` each time
 * the stream changes. Both are in the run's log folder (`<stateDir>/logs/<session>/`).
 */
export interface TaskLogFiles {
  log: string;
  streams: string;
}

/**
 * Everything a task printed, without holding it in memory (issue 11, part 13): the output is
 * written to its log file as it arrives; the last lines are kept for the failure summary; a
 * plugin that needs the whole output reads it back from the file.
 */
export interface TaskOutputLog {
  /** The log's files; undefined while the task has printed nothing. */
  readonly files: TaskLogFiles | undefined;
  /** Bytes printed so far (UTF-8). */
  readonly bytes: number;
  /** False when the file could not be written (a full disk): it holds only the start. */
  readonly complete: boolean;
  /** The last non-blank lines, at most 12 and 16 K characters (a longer line keeps its end). */
  tail(): string[];
  /** Where each `tail()` line is in the log (`OutputTail.numbered`), so the summary can say how many lines it leaves out. */
  tailAt?(): TailLine[];
  /** The first error-looking lines and the log line they start at (`ErrorExcerpt`); undefined when none looked like one. */
  firstError?(): FirstError | undefined;
  /** Everything printed so far, in order, read back from the file in blocks. */
  chunks(): AsyncIterable<OutputChunk>;
  /** Each line printed so far (stdout and stderr as they interleaved), without its newline; a line over 1 M characters comes in pieces. */
  lines(): AsyncIterable<string>;
  /** Takes log files written before (a cache entry's, `bytes` long) as this log, for a replay of them that then copies nothing. */
  adopt?(files: TaskLogFiles, bytes: number): void;
}

export type TaskStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export type GateStatus = 'pass' | 'warn' | 'fail';

/** What a gate concluded. */
export interface GateVerdict {
  gate: string;
  status: GateStatus;
  message: string;
  details?: unknown;
  durationMs?: number;
}

/** Given to every gate of a stage; gates report verdicts, all of them run. */
export interface GateContext {
  task: TaskContext;
  stage: Extract<PipelineStage, 'preGates' | 'postValidate' | 'qaGates'>;
  report(verdict: GateVerdict): void;
  /** Figures the task reported (coverage, counts), by name; gates may add to them. */
  metrics: Map<string, number>;
  /** When set, only these gates run (partial recovery re-runs the validations that failed). */
  only?: ReadonlySet<string>;
}

export interface DeployResult {
  executor: string;
}

export interface ExecutionResult {
  exitCode: number;
  /** Set when the process was ended by a signal. */
  signal?: string;
  durationMs: number;
  /** Index of the step that failed, for step-wise commands. */
  failedStep?: number;
  /** Steps that completed, in order (checkpoints). */
  completedSteps?: number;
  /** Why it failed, when not just an exit code (timeout, crash, bad module). */
  message?: string;
  /** What kind of failure, when the executor knows better than the exit code (`circuit-open`). */
  kind?: FailureKind;
}

/** What kind of failure a task had, for retry policies (`nonRetryable`) and strategies. */
export type FailureKind = 'exit-code' | 'signal' | 'timeout' | 'gates' | 'dependency' | 'dependency-not-run' | 'no-executor' | 'circuit-open' | 'error';

/** Given to the `recover` hook after a stage fails. */
export interface FailureContext {
  task: TaskContext;
  stage: PipelineStage;
  error: unknown;
  /** What went wrong, for a person. */
  message: string;
  kind: FailureKind;
  /** The attempt that failed, from 1. */
  attempt: number;
  exitCode?: number;
  /** The gates that failed, for gate stages. */
  verdicts?: GateVerdict[];
  /**
   * The strategy chosen for this failure (`orch:recovery` sets it from the command's
   * `recovery:`, the config, or the stage's default); strategy plugins answer for their name.
   */
  strategy?: string;
}

/**
 * What to do about a failure: try again (from a stage, a step, or only some gates, after a
 * delay), give up (after undoing what can be undone), or pause the session for a person.
 */
export type RecoveryDecision =
  | { strategy: string; action: 'retry'; message: string; delayMs?: number; fromStage?: PipelineStage; fromStep?: number; gates?: string[]; details?: unknown }
  | { strategy: string; action: 'fail'; message: string; details?: unknown }
  | { strategy: string; action: 'pause'; message: string; reason: string; todo: string };
