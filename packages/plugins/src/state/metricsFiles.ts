import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A part of the metrics grows to this size (bytes) before the next one of its day starts. */
export const METRICS_PART_BYTES = 8 * 1024 * 1024;
/** The metrics folder is kept under this size (bytes): the oldest parts go first. */
export const METRICS_LIMIT_BYTES = 64 * 1024 * 1024;

/** One file of `<stateDir>/metrics`: `execution-YYYYMMDD.jsonl`, then `execution-YYYYMMDD-2.jsonl`... for a day past one part. */
export interface MetricsFile {
  name: string;
  /** `YYYYMMDD` (UTC). */
  day: string;
  /** 1 for the day's first file. */
  part: number;
}

const NAME = /^execution-(\d{8})(?:-(\d+))?\.jsonl$/;

/** The metrics files in `folder`, oldest first (by day, then part); none when there is no folder. */
export function metricsFiles(folder: string): MetricsFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const files: MetricsFile[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (match) files.push({ name, day: match[1]!, part: match[2] === undefined ? 1 : Number(match[2]) });
  }
  return files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.part - b.part));
}

/** The file today's lines go to: the day's last part, or a new part once it holds `partBytes`. */
export function metricsFileFor(folder: string, day: string, partBytes = METRICS_PART_BYTES): string {
  const last = metricsFiles(folder)
    .filter((file) => file.day === day)
    .at(-1);
  if (!last) return `execution-${day}.jsonl`;
  const size = statSync(join(folder, last.name), { throwIfNoEntry: false })?.size ?? 0;
  return size < partBytes ? last.name : `execution-${day}-${last.part + 1}.jsonl`;
}

/**
 * Removes the oldest metrics files while the folder holds more than `limitBytes`
 * (never the newest): every full cache hit adds a line per task, so an unbounded folder grew
 * by 100 MB a day in a busy workspace.
 */
export function pruneMetrics(folder: string, limitBytes = METRICS_LIMIT_BYTES): void {
  const files = metricsFiles(folder).map((file) => ({ ...file, size: statSync(join(folder, file.name), { throwIfNoEntry: false })?.size ?? 0 }));
  let total = files.reduce((sum, file) => sum + file.size, 0);
  for (const file of files.slice(0, -1)) {
    if (total <= limitBytes) return;
    try {
      unlinkSync(join(folder, file.name));
    } catch {
      // Gone already (another orch pruned it), or not ours to remove: the next run tries again.
    }
    total -= file.size;
  }
}
