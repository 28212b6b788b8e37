import type { MetricsRecord } from './readMetrics.js';

/** One task's history over the window. Times are ms, memory bytes. */
export interface TaskMetrics {
  id: string;
  /** Lines recorded (runs, hits included). */
  runs: number;
  /** Times it ran (not restored). */
  executions: number;
  /** Of the executions' durations. */
  p50Ms?: number;
  p95Ms?: number;
  /** Restored / (restored + ran). */
  cacheHitRate?: number;
  failures: number;
  /** Failed, then passed, with the same hash: nothing it is hashed on changed in between. */
  flaky: boolean;
  /** The largest peak memory measured, and the median CPU time of the executions. */
  peakRssBytes?: number;
  cpuP50Ms?: number;
  /** The workers that ran it (`orch run --distribute`), by name, sorted; empty when only this machine did. */
  workers: string[];
}

export interface MetricsSummary {
  since: string;
  lines: number;
  tasks: TaskMetrics[];
  /** Ids of the flaky tasks. */
  flaky: string[];
  /** The ten tasks with the highest p95 duration. */
  slowest: string[];
}

/** Per task: p50/p95 of its executions, cache hit rate, failures and flakiness (issue 14, part 2). */
export function summarizeMetrics(records: readonly MetricsRecord[], since: Date): MetricsSummary {
  const byTask = new Map<string, MetricsRecord[]>();
  for (const record of records) {
    let list = byTask.get(record.command);
    if (!list) byTask.set(record.command, (list = []));
    list.push(record);
  }
  const tasks = [...byTask].map(([id, lines]) => taskMetrics(id, lines)).sort((a, b) => a.id.localeCompare(b.id));
  return {
    since: since.toISOString(),
    lines: records.length,
    tasks,
    flaky: tasks.filter((t) => t.flaky).map((t) => t.id),
    slowest: tasks
      .filter((t) => t.p95Ms !== undefined)
      .sort((a, b) => b.p95Ms! - a.p95Ms!)
      .slice(0, 10)
      .map((t) => t.id),
  };
}

function taskMetrics(id: string, lines: readonly MetricsRecord[]): TaskMetrics {
  // Lines written before the cache outcome was recorded said `cached` for a hit.
  const hit = (line: MetricsRecord): boolean => line.cache === 'hit' || (line.cache === undefined && line.cached !== undefined);
  const executions = lines.filter((line) => !hit(line) && (line.status === 'completed' || line.status === 'failed'));
  const durations = executions.map((line) => line.execution_time).sort((a, b) => a - b);
  const cpu = executions.flatMap((line) => (line.cpu_time === undefined ? [] : [line.cpu_time])).sort((a, b) => a - b);
  const memory = lines.flatMap((line) => (line.memory_usage === undefined ? [] : [line.memory_usage]));
  const hits = lines.filter(hit).length;
  const failedHashes = new Set<string>();
  let flaky = false;
  for (const line of [...lines].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
    if (!line.hash) continue;
    if (line.status === 'failed') failedHashes.add(line.hash);
    else if (line.status === 'completed' && !hit(line) && failedHashes.has(line.hash)) flaky = true;
  }
  return {
    id,
    runs: lines.length,
    executions: executions.length,
    ...(durations.length > 0 ? { p50Ms: percentile(durations, 0.5), p95Ms: percentile(durations, 0.95) } : {}),
    ...(hits + executions.length > 0 ? { cacheHitRate: hits / (hits + executions.length) } : {}),
    failures: lines.filter((line) => line.status === 'failed').length,
    flaky,
    ...(memory.length > 0 ? { peakRssBytes: memory.reduce((peak, bytes) => Math.max(peak, bytes)) } : {}),
    ...(cpu.length > 0 ? { cpuP50Ms: percentile(cpu, 0.5) } : {}),
    workers: [...new Set(lines.flatMap((line) => (line.worker ? [line.worker] : [])))].sort(),
  };
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}
