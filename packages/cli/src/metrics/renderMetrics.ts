import { formatMs } from '@orch/engine';
import { formatBytes } from '../render/formatBytes.js';
import type { RunCriticalPath } from './latestCriticalPaths.js';
import type { MetricsSummary } from './summarizeMetrics.js';

/** `orch metrics` as text: a table of tasks, then flaky, slowest and the latest critical paths. */
export function renderMetrics(summary: MetricsSummary & { latestRuns: RunCriticalPath[] }): string {
  if (summary.lines === 0) return `no metrics since ${summary.since}: every run records a line per task in .orch/metrics/\n`;
  // Only a window with distributed runs (issue 16) has a column for who ran each task.
  const distributed = summary.tasks.some((t) => t.workers.length > 0);
  const rows = summary.tasks.map((t) => [
    t.id,
    String(t.runs),
    t.p50Ms === undefined ? '-' : formatMs(t.p50Ms),
    t.p95Ms === undefined ? '-' : formatMs(t.p95Ms),
    t.cacheHitRate === undefined ? '-' : `${Math.round(t.cacheHitRate * 100)}%`,
    String(t.failures),
    t.peakRssBytes === undefined ? '-' : formatBytes(t.peakRssBytes),
    t.cpuP50Ms === undefined ? '-' : formatMs(t.cpuP50Ms),
    ...(distributed ? [t.workers.join(', ') || '-'] : []),
  ]);
  const header = ['TASK', 'RUNS', 'P50', 'P95', 'CACHE HITS', 'FAILED', 'PEAK MEM', 'CPU P50', ...(distributed ? ['WORKERS'] : [])];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((cell, column) => (header[column] === 'TASK' || header[column] === 'WORKERS' ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`.trimEnd();
  return [
    `Execution metrics since ${summary.since} (${summary.lines} line${summary.lines === 1 ? '' : 's'}, ${summary.tasks.length} task${summary.tasks.length === 1 ? '' : 's'}); durations are of runs, not cache hits`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `Flaky (failed, then passed with the same hash): ${summary.flaky.length === 0 ? 'none' : summary.flaky.join(', ')}`,
    `Slowest (p95): ${summary.slowest.length === 0 ? '-' : summary.slowest.slice(0, 5).join(', ')}`,
    '',
    'Critical path of the latest runs:',
    ...(summary.latestRuns.length === 0 ? ['  no session in this window'] : summary.latestRuns.map((run) => `  ${run.session} (${run.command}, ${run.status}): ${run.path.join(' → ') || '-'}  ${formatMs(run.durationMs)}`)),
    '',
  ].join('\n');
}
