import type { RunReport, ReportTask } from './RunReport.js';

/** One task of a run summary (`--summarize`). */
export interface RunSummaryTask {
  taskId: string;
  /** `succeeded`, `failed`, `skipped`, `cancelled`, `awaiting-intervention`, or `not-run` (the run stopped before it). */
  status: ReportTask['status'];
  hash: string | null;
  /** How many input files its hash covers (Turborepo lists them by name; `orch explain <task>` does). */
  inputs: number | null;
  /** As Turborepo's: `HIT` from `LOCAL` or `REMOTE`, or `MISS` (it ran); null when it neither ran nor was restored. */
  cache: { status: 'HIT' | 'MISS'; source: 'LOCAL' | 'REMOTE' | null; local: boolean; remote: boolean } | null;
  execution: { startTime: number | null; endTime: number | null; durationMs: number | null; exitCode: number | null };
  dependencies: string[];
  dependents: string[];
  /** Its log file, relative to the workspace root. */
  logFile: string | null;
  /** The worker that ran it (`orch run --distribute`: docs/distributed.md); null when the run's own process did. */
  worker: string | null;
}

/** The JSON `--summarize` writes, shaped after Turborepo's run summary (`.turbo/runs/<id>.json`). */
export interface RunSummaryJson {
  id: string;
  version: '1';
  orchVersion: string;
  command: string;
  repoPath: string;
  /** Times in ms since the epoch. */
  execution: { startTime: number | null; endTime: number | null; durationMs: number | null; exitCode: number; attempted: number; succeeded: number; failed: number; cached: number; skipped: number; cancelled: number; interrupted: boolean };
  criticalPath: string[];
  tasks: RunSummaryTask[];
}

/** A run's report as its summary: every planned task, in dependency order. */
export function runSummaryJson(report: RunReport, run: { id: string; root: string; exitCode: number }): RunSummaryJson {
  const dependents = new Map<string, string[]>();
  for (const task of report.tasks) for (const dependency of task.dependencies) dependents.set(dependency, [...(dependents.get(dependency) ?? []), task.id]);
  const count = (check: (task: ReportTask) => boolean) => report.tasks.filter(check).length;
  return {
    id: run.id,
    version: '1',
    orchVersion: report.orchVersion,
    command: report.title,
    repoPath: run.root,
    execution: {
      startTime: report.startedAt ?? null,
      endTime: report.finishedAt ?? null,
      durationMs: report.durationMs ?? null,
      exitCode: run.exitCode,
      attempted: count((t) => t.cache !== undefined),
      succeeded: count((t) => t.status === 'succeeded'),
      failed: count((t) => t.status === 'failed'),
      cached: count((t) => t.cache?.status === 'hit'),
      skipped: count((t) => t.status === 'skipped'),
      cancelled: count((t) => t.status === 'cancelled'),
      interrupted: report.summary?.interrupted ?? false,
    },
    criticalPath: report.criticalPath,
    tasks: report.tasks.map((task) => ({
      taskId: task.id,
      status: task.status,
      hash: task.hash ?? null,
      inputs: task.inputs ?? null,
      cache: task.cache ? { status: task.cache.status === 'hit' ? 'HIT' : 'MISS', source: task.cache.source === 'local' ? 'LOCAL' : task.cache.source === 'remote' ? 'REMOTE' : null, local: task.cache.source === 'local', remote: task.cache.source === 'remote' } : null,
      execution: { startTime: task.startedAt ?? null, endTime: task.finishedAt ?? null, durationMs: task.durationMs ?? null, exitCode: task.exitCode ?? null },
      dependencies: task.dependencies,
      dependents: dependents.get(task.id) ?? [],
      logFile: task.log ?? null,
      worker: task.worker ?? null,
    })),
  };
}
