import { writeOutputFile } from '../writeOutputFile.js';
import { reportHtml } from './reportHtml.js';
import type { RunReport } from './RunReport.js';

/** Writes a report's HTML file atomically (its folder made if need be); returns its size in bytes. */
export async function writeReport(report: RunReport, path: string): Promise<number> {
  const html = reportHtml(report);
  await writeOutputFile(path, html, 'the report');
  return Buffer.byteLength(html);
}
