import { mkdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { nameTable } from '@orch/engine';
import { writeFileAtomic } from '../lazyRequire.js';

/**
 * What orch remembers of runs in the state folder besides each task's records (TaskRecords):
 * past durations (`durations.json`, for scheduling priorities) and metrics
 * (`metrics/execution-YYYYMMDD.jsonl`). Writes are atomic (temp file + rename).
 */
export class TaskHistory {
  constructor(readonly stateDir: string) {}

  /** Past durations by task id; empty when none are recorded or the file is unreadable. */
  readDurations(): Record<string, number> {
    try {
      return nameTable(JSON.parse(readFileSync(join(this.stateDir, 'durations.json'), 'utf8')) as Record<string, number>);
    } catch {
      return nameTable();
    }
  }

  /** Merges new durations into the record (an average that favours recent runs). */
  async recordDurations(durations: ReadonlyMap<string, number>): Promise<void> {
    if (durations.size === 0) return;
    const known = this.readDurations();
    for (const [id, ms] of durations) known[id] = known[id] === undefined ? ms : Math.round(known[id]! * 0.3 + ms * 0.7);
    mkdirSync(this.stateDir, { recursive: true });
    await writeFileAtomic()(join(this.stateDir, 'durations.json'), `${JSON.stringify(known)}\n`);
  }

  async appendMetrics(lines: readonly object[]): Promise<void> {
    if (lines.length === 0) return;
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const file = join(this.stateDir, 'metrics', `execution-${day}.jsonl`);
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    // The folder is made once, when the first append finds it missing, not asked for every run.
    await appendFile(file, text).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, text);
    });
  }
}
