import { describe, expect, it } from 'vitest';
import type { CommandDefinition, TaskGraph } from '@orch/engine';
import { watchPlan, type WatchRecord } from '../watch/watchPlan.js';

/** lib ← app ← e2e, and other on its own: each task's dependencies by id. */
const EDGES: Record<string, string[]> = { lib: [], app: ['lib'], e2e: ['app'], other: [] };
const graph: TaskGraph = {
  nodes: new Map(Object.entries(EDGES).map(([id, deps]) => [id, { id, command: { id } as CommandDefinition, dependencies: deps.map((to) => ({ to, spec: to })) }])),
  order: ['lib', 'other', 'app', 'e2e'],
};
const survey = (hashes: Record<string, string>) => ({ graph, roots: new Map([['e2e', 'e2e'], ['other', 'other']]), tasks: graph.order, hashes: new Map(Object.entries(hashes)) });
const ended = (entries: Record<string, [string, WatchRecord['status']]>) => new Map(Object.entries(entries).map(([id, [hash, status]]) => [id, { hash, status }]));
const ids = (plan: ReturnType<typeof watchPlan>['tasks']) => plan.map((task) => task.id);
const none = () => false;

describe('watchPlan', () => {
  const all = { lib: 'l1', app: 'a1', e2e: 'e1', other: 'o1' };
  const done = ended({ lib: ['l1', 'succeeded'], app: ['a1', 'succeeded'], e2e: ['e1', 'succeeded'], other: ['o1', 'succeeded'] });

  it('runs everything the first time, nothing when no hash moved', () => {
    expect(ids(watchPlan(survey(all), new Map(), none).tasks)).toEqual(['lib', 'other', 'app', 'e2e']);
    expect(watchPlan(survey(all), done, none).tasks).toEqual([]);
  });

  it('runs a changed task and what depends on it; the unchanged dependency is outside the plan', () => {
    const plan = watchPlan(survey({ ...all, app: 'a2' }), done, none).tasks;
    expect(ids(plan)).toEqual(['app', 'e2e']);
    expect(plan[0]).toMatchObject({ id: 'app', dependencies: [], outside: ['lib'] });
    expect(plan[1]).toMatchObject({ id: 'e2e', dependencies: ['app'], outside: [] });
  });

  it('runs a task that never ended (cancelled or not started) again', () => {
    const cancelled = new Map(done);
    cancelled.delete('e2e');
    expect(ids(watchPlan(survey(all), cancelled, none).tasks)).toEqual(['e2e']);
  });

  it('holds back what depends on a task that failed with the hash it still has, and runs it once that task is fixed', () => {
    const failed = ended({ lib: ['l1', 'failed'], other: ['o1', 'succeeded'] });
    const waiting = watchPlan(survey({ ...all, other: 'o2', app: 'a2' }), failed, none);
    expect(ids(waiting.tasks)).toEqual(['other']);
    // Each held task names the failed one it waits for, through held dependencies too.
    expect(waiting.held).toEqual(new Map([['app', 'lib'], ['e2e', 'lib']]));
    expect(ids(watchPlan(survey({ ...all, lib: 'l2' }), failed, none).tasks)).toEqual(['lib', 'app', 'e2e']);
    // Held back through a dependency that succeeded earlier with an older hash, too.
    const older = ended({ lib: ['l1', 'failed'], app: ['a0', 'succeeded'], other: ['o1', 'succeeded'] });
    expect(ids(watchPlan(survey(all), older, none).tasks)).toEqual([]);
  });

  it('leaves persistent tasks out: they are kept apart', () => {
    expect(ids(watchPlan(survey(all), new Map(), (id) => id === 'e2e').tasks)).toEqual(['lib', 'other', 'app']);
  });
});
