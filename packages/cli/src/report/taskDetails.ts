import { resolve } from 'node:path';
import { taskLogFiles } from '@orch/engine';
import { logTail } from './logTail.js';
import type { RunReport } from './RunReport.js';
import { pluginsModule } from '../lazyModules.js';

/**
 * Fills in what a session's log does not hold: each task's last log lines (from
 * `<stateDir>/logs/<session>/<task>.log`) and how many input files its hash covers (from the
 * task's hash record in `<stateDir>/records/`, only when that record is of the same hash: a
 * later run may have replaced it). A run summary leaves the log lines out (`logTail: false`).
 */
export async function addTaskDetails(report: RunReport, where: { root: string; stateDir: string; session: string }, what: { logTail: boolean } = { logTail: true }): Promise<RunReport> {
  const { TaskRecords, RunLogs } = await pluginsModule();
  const stateDir = resolve(where.root, where.stateDir);
  const folder = new RunLogs(stateDir).folder(where.session);
  const records = new TaskRecords(stateDir);
  await Promise.all(
    report.tasks.map(async (task) => {
      const tail = what.logTail ? logTail(taskLogFiles(folder, task.id).log) : undefined;
      if (tail) task.logTail = tail;
      if (!task.hash) return;
      const record = await records.get('hash', task.id);
      if (record?.hash === task.hash) task.inputs = Object.keys(record.inputs.files ?? {}).length;
    }),
  );
  return report;
}
