import { runReportFromEvents } from '../report/RunReport.js';

/** A session's critical path: the chain no concurrency can shorten, and what it added up to (ms). */
export interface RunCriticalPath {
  session: string;
  command: string;
  status: string;
  path: string[];
  durationMs: number;
}

/**
 * The critical path of each of the newest `count` sessions started at or after `since`, newest
 * first, each weighed by the durations its log recorded (`runReportFromEvents`). Reads only.
 */
export async function latestCriticalPaths(stateDir: string, since: Date, count: number, orchVersion: string): Promise<RunCriticalPath[]> {
  const { SessionStore, readLog } = await import('@orch/plugins');
  const store = new SessionStore(stateDir);
  const paths: RunCriticalPath[] = [];
  for (const id of store.ids().reverse()) {
    if (paths.length >= count) break;
    const session = store.tryLoad(id);
    if (!session?.state.info || (session.state.startedAt ?? 0) < since.getTime()) continue;
    const report = runReportFromEvents(readLog(store.logPath(id)).events, { id, status: session.state.status, orchVersion });
    const durations = new Map(report.tasks.map((t) => [t.id, t.durationMs ?? 0]));
    paths.push({
      session: id,
      command: `orch ${session.state.info.argv.join(' ')}`,
      status: session.state.status,
      path: report.criticalPath,
      durationMs: Math.round(report.criticalPath.reduce((sum, task) => sum + (durations.get(task) ?? 0), 0)),
    });
  }
  return paths;
}
