import { readFileSync } from 'node:fs';
import { metricsFiles } from '@orch/plugins';
import { join } from 'node:path';

/** The fields of a metrics line this summary reads (see `metricsLine` in @orch/plugins; older lines lack the newer ones). */
export interface MetricsRecord {
  timestamp: string;
  command: string;
  execution_time: number;
  status: string;
  memory_usage?: number;
  cpu_time?: number;
  hash?: string;
  cache?: 'hit' | 'miss';
  cached?: 'local' | 'remote';
  worker?: string;
}

/**
 * Reads `<stateDir>/metrics/execution-YYYYMMDD[-N].jsonl` from the day of `since` on, keeping lines
 * stamped at or after it. A line that is not JSON (a torn write) is skipped.
 */
export function readMetrics(stateDir: string, since: Date): MetricsRecord[] {
  const folder = join(stateDir, 'metrics');
  const firstDay = since.toISOString().slice(0, 10).replaceAll('-', '');
  const records: MetricsRecord[] = [];
  for (const file of metricsFiles(folder).filter((file) => file.day >= firstDay)) {
    let text: string;
    try {
      text = readFileSync(join(folder, file.name), 'utf8');
    } catch {
      continue; // Pruned by a run meanwhile.
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const record = JSON.parse(line) as MetricsRecord;
        if (typeof record.command === 'string' && Date.parse(record.timestamp) >= since.getTime()) records.push(record);
      } catch {
        // A torn last line of a run that was killed mid-write.
      }
    }
  }
  return records;
}
