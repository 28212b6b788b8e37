import { resolve } from 'node:path';
import { ORCH_VERSION } from '@orch/engine';
import { runReportFromEvents, type ReportEvent } from './RunReport.js';
import { runSummaryJson } from './runSummary.js';
import { addTaskDetails } from './taskDetails.js';
import { writeOutputFile } from '../writeOutputFile.js';

/**
 * `--summarize`: the run's events (recorded as the run went, so a run without a session log has
 * one too) as a run summary JSON file, by default `<stateDir>/runs/<run id>.json` as Turborepo
 * writes `.turbo/runs/<id>.json`; `out` is relative to `cwd`. Returns the file's path.
 */
export async function writeRunSummary(events: readonly ReportEvent[], run: { id: string; root: string; stateDir: string; exitCode: number; out: string | undefined; cwd: string }): Promise<string> {
  const report = runReportFromEvents(events, { id: run.id, status: run.exitCode === 0 ? 'completed' : 'failed', orchVersion: ORCH_VERSION });
  await addTaskDetails(report, { root: run.root, stateDir: run.stateDir, session: run.id }, { logTail: false });
  const path = run.out ? resolve(run.cwd, run.out) : resolve(run.root, run.stateDir, 'runs', `${run.id}.json`);
  await writeOutputFile(path, `${JSON.stringify(runSummaryJson(report, { id: run.id, root: run.root, exitCode: run.exitCode }), null, 2)}\n`, 'the run summary');
  return path;
}
