import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../metrics/readMetrics.js';
import { percentile, summarizeMetrics } from '../metrics/summarizeMetrics.js';

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 30, 8, minute)).toISOString();

describe('summarizeMetrics', () => {
  it('takes p50 and p95 of the runs only, and tells a flaky task from one that was fixed', () => {
    const records: MetricsRecord[] = [
      ...Array.from({ length: 20 }, (_, i): MetricsRecord => ({ timestamp: at(i), command: 'a', execution_time: (i + 1) * 100, status: 'completed', cache: 'miss', hash: `h${i}` })),
      { timestamp: at(30), command: 'a', execution_time: 5, status: 'completed', cache: 'hit', cached: 'local', hash: 'h19' },
      // b failed and passed on the same hash: flaky. c failed, then passed after a change (another hash).
      { timestamp: at(1), command: 'b', execution_time: 10, status: 'failed', cache: 'miss', hash: 'x' },
      { timestamp: at(2), command: 'b', execution_time: 10, status: 'completed', cache: 'miss', hash: 'x' },
      { timestamp: at(1), command: 'c', execution_time: 10, status: 'failed', cache: 'miss', hash: 'y' },
      { timestamp: at(2), command: 'c', execution_time: 10, status: 'completed', cache: 'miss', hash: 'z' },
    ];
    const summary = summarizeMetrics(records, new Date(at(0)));
    const a = summary.tasks.find((t) => t.id === 'a')!;
    expect(a).toMatchObject({ runs: 21, executions: 20, p50Ms: 1000, p95Ms: 1900, cacheHitRate: 1 / 21 });
    expect(summary.flaky).toEqual(['b']);
    expect(summary.slowest[0]).toBe('a');
  });

  it("sums up a task's lines however many the bounded folder holds (200,000: its peak memory was a spread past the call stack)", () => {
    const records = Array.from({ length: 200_000 }, (_, i): MetricsRecord => ({ timestamp: at(i % 60), command: 'hot', execution_time: 1, status: 'completed', cache: 'miss', hash: 'h', memory_usage: 1000 + (i % 997) }));
    expect(summarizeMetrics(records, new Date(at(0))).tasks[0]).toMatchObject({ id: 'hot', runs: 200_000, peakRssBytes: 1996 });
  });

  it('percentile is the nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([7], 0.95)).toBe(7);
  });
});
