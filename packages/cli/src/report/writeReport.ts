import { writeOutputFile } from '../writeOutputFile.js';
import { reportHtml } from './reportHtml.js';
import type { RunReport } from './RunReport.js';

/** Writes a report's HTML file atomically (its folder made if need be); returns its size in bytes. `what` names it in errors. */
export async function writeReport(report: RunReport, path: string, what = 'the report'): Promise<number> {
  const html = reportHtml(report);
  await writeOutputFile(path, html, what);
  return Buffer.byteLength(html);
}
