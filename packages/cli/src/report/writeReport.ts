import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { reportHtml } from './reportHtml.js';
import type { RunReport } from './RunReport.js';

/** Writes a report's HTML file atomically (its folder made if need be); returns its size in bytes. */
export async function writeReport(report: RunReport, path: string): Promise<number> {
  const html = reportHtml(report);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, html);
  return Buffer.byteLength(html);
}
