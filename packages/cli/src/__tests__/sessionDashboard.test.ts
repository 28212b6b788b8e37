import { describe, expect, it } from 'vitest';
import type { ReportEvent } from '../report/RunReport.js';
import { sessionDashboard } from '../status/sessionDashboard.js';

const T0 = 1_800_000_000_000;
const plan = [
  { id: 'a', reasons: [], dependencies: [], outside: [] },
  { id: 'b', reasons: [], dependencies: ['a'], outside: [] },
  { id: 'c', reasons: [], dependencies: ['b'], outside: [] },
  { id: 'd', reasons: [], dependencies: [], outside: [] },
];

/** A live run: `a` a cache hit that logged only its end (as the hot path may), `b` executing, `c` and `d` queued. */
const events: ReportEvent[] = [
  { t: T0, type: 'session-started', session: { id: 's', argv: ['run', 'build'], request: {}, pid: 1, host: 'h', startedAt: '' } },
  { t: T0, type: 'run-started', tasks: plan, concurrency: 2 },
  { t: T0 + 500, type: 'task-finished', outcome: { id: 'a', status: 'succeeded', durationMs: 400, cached: 'local', hash: 'h1' } },
  { t: T0 + 600, type: 'task-started', id: 'b' },
  { t: T0 + 610, type: 'task-stage', id: 'b', stage: 'triage', status: 'passed', durationMs: 1 },
  { t: T0 + 620, type: 'task-stage', id: 'b', stage: 'dependencies', status: 'passed', durationMs: 1 },
  { t: T0 + 630, type: 'task-stage', id: 'b', stage: 'preGates', status: 'passed', durationMs: 1, verdicts: [{ gate: 'resources', status: 'warn', message: 'low memory' }] },
  { t: T0 + 640, type: 'task-stage', id: 'b', stage: 'deploy', status: 'passed', durationMs: 1 },
  { t: T0 + 650, type: 'task-process', id: 'b', state: 'started', process: { pid: 4242 } },
];

describe('sessionDashboard', () => {
  it('shows a running task where it is, a hit that logged only its end, and what waits for what', () => {
    const view = sessionDashboard(events, { id: 's', status: 'running', live: true, now: T0 + 1600, durations: { b: 4000, c: 1000, d: 500 }, orchVersion: '0' });
    expect(view.active).toEqual([{ id: 'b', stage: 'execute', elapsedMs: 1000, pid: 4242 }]);
    expect(view.metrics).toMatchObject({ tasks: 4, done: 1, running: 1, queued: 2, cached: 1, cacheHitRate: 1 });
    // b has 3 s left of its usual 4 s, then c takes 1 s: the chain outweighs the work spread over 2 slots.
    expect(view.metrics.estimatedRemainingMs).toBe(4000);
    expect(view.dependencies.waiting).toEqual([
      { id: 'c', on: ['b'] },
      { id: 'd', on: [] },
    ]);
    expect(view.dependencies.criticalPath).toEqual(['a', 'b', 'c']);
    expect(view.gates).toEqual({ stages: [{ stage: 'preGates', passed: 1, total: 1 }], problems: [{ task: 'b', stage: 'preGates', gate: 'resources', status: 'warn', message: 'low memory' }] });
  });

  it('adds up the measured resources of finished process groups', () => {
    const more: ReportEvent[] = [
      ...events,
      { t: T0 + 900, type: 'task-resources', id: 'b', cpuMs: 120, peakRssBytes: 5_000_000, samples: 3 },
      { t: T0 + 950, type: 'task-resources', id: 'b', cpuMs: 30, peakRssBytes: 9_000_000, samples: 1 },
    ];
    const view = sessionDashboard(more, { id: 's', status: 'running', live: false, now: T0 + 1000, durations: {}, orchVersion: '0' });
    expect(view.metrics).toMatchObject({ cpuMs: 150, peakRssBytes: 9_000_000, measured: 1 });
  });
});
