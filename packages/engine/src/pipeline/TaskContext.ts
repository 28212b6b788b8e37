import type { CommandDefinition } from '../commands/CommandDefinition.js';
import type { PipelineStage } from '../Engine.js';

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
  args: string[];
  /** Set by triage. */
  profile?: ResourceProfile;
  /** Set by deploy: which executor runs the task. */
  executor?: string;
  signal: AbortSignal;
}

export type GateStatus = 'pass' | 'warn' | 'fail';

/** What a gate concluded. */
export interface GateVerdict {
  gate: string;
  status: GateStatus;
  message: string;
  details?: unknown;
}

/** Given to every gate of a stage; gates report verdicts, all of them run. */
export interface GateContext {
  task: TaskContext;
  stage: Extract<PipelineStage, 'preGates' | 'postValidate' | 'qaGates'>;
  report(verdict: GateVerdict): void;
}

export interface DeployResult {
  executor: string;
}

export interface ExecutionResult {
  exitCode: number;
  durationMs: number;
  stdout?: string;
  stderr?: string;
}

export interface FailureContext {
  task: TaskContext;
  stage: PipelineStage;
  error: unknown;
  attempt: number;
}

export interface RecoveryDecision {
  strategy: string;
  /** Milliseconds to wait before acting (retry backoff). */
  delayMs?: number;
}
