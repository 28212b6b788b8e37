import type { TaskOutcome } from '@orch/engine';
import type { Measures } from './TaskMeasures.js';

/**
 * One line of `.orch/metrics/execution-YYYYMMDD.jsonl`: the reference design's fields
 * (`timestamp`, `command`, `session`, `execution_time` ms, `memory_usage` bytes, `agent_count`,
 * `status`) where `memory_usage` is the task's own peak RSS (its process tree, sampled:
 * `GroupSampler`; absent when nothing was measured: a cache hit, a worker-thread task, no /proc),
 * with its CPU time, its stages' timings, its hash and cache outcome (issue 14, part 2), and the
 * worker that ran it (issue 16).
 */
export interface MetricsLine {
  timestamp: string;
  command: string;
  /** This run's id (one per orch process). */
  session: string;
  /** The session the run belongs to (`orch status`, `orch resume`), when it has one. */
  session_id?: string;
  execution_time: number;
  memory_usage?: number;
  cpu_time?: number;
  /** Samples behind `memory_usage` and `cpu_time`: a task that ended between two is under-measured. */
  samples?: number;
  agent_count: number;
  status: 'completed' | Exclude<TaskOutcome['status'], 'succeeded'>;
  exit_code?: number;
  hash?: string;
  /** `hit` (restored; `cached` says from where) or `miss` (it ran); absent when it neither ran nor was restored. */
  cache?: 'hit' | 'miss';
  cached?: 'local' | 'remote';
  /** The worker that ran or restored it (`orch run --distribute`, issue 16); absent when this process did. */
  worker?: string;
  /** Each stage that ran: its name and ms, in order. */
  stages?: Record<string, number>;
}

export function metricsLine(outcome: TaskOutcome, measured: Measures, run: { runId: string; sessionId?: string | undefined; agents: number }): MetricsLine {
  const ran = outcome.status === 'succeeded' || outcome.status === 'failed';
  return {
    timestamp: new Date().toISOString(),
    command: outcome.id,
    session: run.runId,
    ...(run.sessionId ? { session_id: run.sessionId } : {}),
    execution_time: Math.round(outcome.durationMs),
    ...(measured.peakRssBytes === undefined ? {} : { memory_usage: measured.peakRssBytes }),
    ...(measured.cpuMs === undefined ? {} : { cpu_time: measured.cpuMs, samples: measured.samples }),
    agent_count: run.agents,
    status: outcome.status === 'succeeded' ? 'completed' : outcome.status,
    ...(outcome.exitCode === undefined ? {} : { exit_code: outcome.exitCode }),
    ...(outcome.hash ? { hash: outcome.hash } : {}),
    ...(outcome.cached ? { cache: 'hit' as const, cached: outcome.cached } : ran ? { cache: 'miss' as const } : {}),
    ...(outcome.worker ? { worker: outcome.worker } : {}),
    ...(Object.keys(measured.stages).length > 0 ? { stages: measured.stages } : {}),
  };
}
