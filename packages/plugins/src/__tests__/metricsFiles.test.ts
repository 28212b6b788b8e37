import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsFileFor, metricsFiles, pruneMetrics } from '../state/metricsFiles.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folderWith(files: Record<string, number>): string {
  const folder = mkdtempSync(join(tmpdir(), 'orch-metrics-'));
  folders.push(folder);
  for (const [name, size] of Object.entries(files)) writeFileSync(join(folder, name), 'x'.repeat(size));
  return folder;
}

describe('the metrics files', () => {
  it('are listed oldest first by day, then part, whatever their names sort to', () => {
    const folder = folderWith({ 'execution-20261130-2.jsonl': 1, 'execution-20261130.jsonl': 1, 'execution-20261129-10.jsonl': 1, 'execution-20261129-9.jsonl': 1, 'notes.txt': 1 });
    expect(metricsFiles(folder).map((file) => file.name)).toEqual(['execution-20261129-9.jsonl', 'execution-20261129-10.jsonl', 'execution-20261130.jsonl', 'execution-20261130-2.jsonl']);
    expect(metricsFiles(join(folder, 'none'))).toEqual([]);
  });

  it("go to the day's last part until it is full, then to the next", () => {
    const folder = folderWith({ 'execution-20261130.jsonl': 99 });
    expect(metricsFileFor(folder, '20261130', 100)).toBe('execution-20261130.jsonl');
    expect(metricsFileFor(folder, '20261201', 100)).toBe('execution-20261201.jsonl');
    writeFileSync(join(folder, 'execution-20261130.jsonl'), 'x'.repeat(100));
    expect(metricsFileFor(folder, '20261130', 100)).toBe('execution-20261130-2.jsonl');
  });

  it('are pruned oldest first to the bound, never the newest', () => {
    const folder = folderWith({ 'execution-20261128.jsonl': 50, 'execution-20261129.jsonl': 50, 'execution-20261130.jsonl': 50, 'execution-20261130-2.jsonl': 50 });
    pruneMetrics(folder, 120);
    expect(readdirSync(folder).sort()).toEqual(['execution-20261130-2.jsonl', 'execution-20261130.jsonl']);
    // One file larger than the bound is the newest: it stays.
    const big = folderWith({ 'execution-20261130.jsonl': 500 });
    pruneMetrics(big, 120);
    expect(existsSync(join(big, 'execution-20261130.jsonl'))).toBe(true);
  });
});
