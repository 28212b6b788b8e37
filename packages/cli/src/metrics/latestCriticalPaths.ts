import { runReportFromEvents } from '../report/RunReport.js';
import { pluginsModule } from '../lazyModules.js';

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
  const { SessionStore, readLog } = await pluginsModule();
  const store = new SessionStore(stateDir);
  // Ids sort by the second a session started in: two in one second are ordered by when they started.
  const sessions = store
    .ids()
    .flatMap((id) => {
      const session = store.tryLoad(id);
      return session?.state.info && (session.state.startedAt ?? 0) >= since.getTime() ? [{ state: session.state, info: session.state.info, startedAt: session.state.startedAt ?? 0 }] : [];
    })
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, count);
  const paths: RunCriticalPath[] = [];
  for (const { state, info } of sessions) {
    const id = state.id;
    const report = runReportFromEvents(readLog(store.logPath(id)).events, { id, status: state.status, orchVersion });
    const durations = new Map(report.tasks.map((t) => [t.id, t.durationMs ?? 0]));
    paths.push({
      session: id,
      command: `orch ${info.argv.join(' ')}`,
      status: state.status,
      path: report.criticalPath,
      durationMs: Math.round(report.criticalPath.reduce((sum, task) => sum + (durations.get(task) ?? 0), 0)),
    });
  }
  return paths;
}
