import { describe, expect, it } from 'vitest';
import { RunProfile } from '../profile/RunProfile.js';

describe('RunProfile', () => {
  it('places a cache hit that logged only its end by its end and duration, on a free slot, all restore', () => {
    let now = 1000;
    const profile = new RunProfile(() => now, 500);
    profile.record({ type: 'run-started', tasks: [], concurrency: 2 });
    now = 2000;
    profile.record({ type: 'task-started', id: 'long' });
    now = 5000;
    // A hit that began at 4000 µs and logged nothing before its end.
    profile.record({ type: 'task-finished', outcome: { id: 'hit', status: 'succeeded', durationMs: 1, cached: 'remote' } });
    now = 9000;
    profile.record({ type: 'task-finished', outcome: { id: 'long', status: 'succeeded', durationMs: 7 } });
    profile.record({ type: 'run-finished', summary: { tasks: [], durationMs: 8, succeeded: 2, failed: 0, skipped: 0, cancelled: 0, interrupted: false, awaitingIntervention: 0 } });
    const events = profile.trace().traceEvents;
    const hit = events.find((e) => e.name === 'hit')!;
    const long = events.find((e) => e.name === 'long')!;
    expect(hit).toMatchObject({ ph: 'X', ts: 4000, dur: 1000, cat: 'task,cache' });
    expect(long).toMatchObject({ ph: 'X', ts: 2000, dur: 7000, tid: 1 });
    expect(hit.tid).toBe(2);
    expect(events.find((e) => e.name === 'restore from remote cache')).toMatchObject({ tid: 2, ts: 4000, dur: 1000 });
  });
});
