import { mkdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nameTable } from '@orch/engine';
import { writeFileAtomic } from '../lazyRequire.js';

/** A completion marker: the task succeeded, when, and in which run. */
export interface CompletionMarker {
  id: string;
  completedAt: string;
  runId: string;
  durationMs: number;
  /** The task's hash when it completed; a marker whose hash no longer matches is not trusted. */
  hash?: string;
}

/**
 * What orch remembers between runs in the state folder: completion markers
 * (`completed/<id>.json`), past durations (`durations.json`, for scheduling priorities) and
 * metrics (`metrics/execution-YYYYMMDD.jsonl`). Writes are atomic (temp file + rename).
 */
export class TaskHistory {
  private markersReady: Promise<unknown> | undefined;

  constructor(readonly stateDir: string) {}

  markerPath(id: string): string {
    return join(this.stateDir, 'completed', `${encodeURIComponent(id)}.json`);
  }

  /**
   * Atomic (temp file, then rename): a marker is whole or absent. Not fsynced: a marker lost to
   * a power cut only makes a task run again, and fsync per task costs more than the task's
   * bookkeeping is worth.
   */
  async writeMarker(marker: CompletionMarker): Promise<void> {
    this.markersReady ??= mkdir(join(this.stateDir, 'completed'), { recursive: true });
    await this.markersReady;
    await writeFileAtomic()(this.markerPath(marker.id), `${JSON.stringify(marker)}\n`, { fsync: false });
  }

  async readMarker(id: string): Promise<CompletionMarker | undefined> {
    try {
      return JSON.parse(await readFile(this.markerPath(id), 'utf8')) as CompletionMarker;
    } catch {
      return undefined;
    }
  }

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
    await mkdir(join(this.stateDir, 'metrics'), { recursive: true });
    await appendFile(join(this.stateDir, 'metrics', `execution-${day}.jsonl`), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  }
}
