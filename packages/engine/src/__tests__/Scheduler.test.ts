import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulableTask } from '../scheduler/Scheduler.js';

const task = (id: string, dependencies: string[] = [], extra: Partial<SchedulableTask> = {}): SchedulableTask => ({ id, dependencies, ...extra });

describe('Scheduler', () => {
  it('starts only tasks whose dependencies succeeded, within the concurrency', () => {
    const s = new Scheduler([task('a'), task('b'), task('c'), task('d', ['a', 'b'])], { concurrency: 2 });
    const first = s.takeReady();
    expect(first).toHaveLength(2);
    expect(s.takeReady()).toEqual([]);
    s.finish(first[0]!, 'succeeded');
    const second = s.takeReady();
    expect(second).toHaveLength(1);
    expect(second).not.toContain('d');
  });

  it('prefers the longest remaining path, using expected durations', () => {
    const s = new Scheduler([task('short', [], { expectedMs: 100 }), task('long', [], { expectedMs: 50 }), task('after-long', ['long'], { expectedMs: 500 })], { concurrency: 1 });
    expect(s.takeReady()).toEqual(['long']);
  });

  it('keeps tasks that become ready later in priority order among those already waiting', () => {
    const s = new Scheduler(
      [task('root', [], { expectedMs: 1000 }), task('low', [], { expectedMs: 5 }), task('mid', [], { expectedMs: 50 }), task('high', ['root'], { expectedMs: 500 }), task('lowest', ['root'], { expectedMs: 1 })],
      { concurrency: 1 },
    );
    expect(s.takeReady()).toEqual(['root']);
    s.finish('root', 'succeeded');
    const order: string[] = [];
    while (!s.done) {
      const [next] = s.takeReady();
      order.push(next!);
      s.finish(next!, 'succeeded');
    }
    expect(order).toEqual(['high', 'mid', 'low', 'lowest']);
    expect(s.running).toBe(0);
  });

  it('gives heavy tasks as many slots as their weight', () => {
    const s = new Scheduler([task('heavy', [], { weight: 2, expectedMs: 10 }), task('light1'), task('light2')], { concurrency: 2 });
    expect(s.takeReady()).toEqual(['heavy']);
    s.finish('heavy', 'succeeded');
    expect(s.takeReady().sort()).toEqual(['light1', 'light2']);
  });

  it('treats named resources as semaphores', () => {
    const db = { resources: { db: 1 } };
    const s = new Scheduler([task('m1', [], db), task('m2', [], db), task('free')], { concurrency: 4, resources: { db: 1 } });
    const started = s.takeReady();
    expect(started.filter((id) => id.startsWith('m'))).toHaveLength(1);
    expect(started).toContain('free');
    s.finish(started.find((id) => id.startsWith('m'))!, 'succeeded');
    expect(s.takeReady()).toHaveLength(1);
  });

  it('--continue=never: a failure stops everything that has not started', () => {
    const s = new Scheduler([task('a'), task('b'), task('c', ['b'])], { concurrency: 1, continue: 'never' });
    const [first] = s.takeReady();
    expect(s.finish(first!, 'failed').sort()).toEqual(['a', 'b', 'c'].filter((id) => id !== first).sort());
    expect(s.takeReady()).toEqual([]);
    expect(s.done).toBe(true);
  });

  it('--continue=dependencies-successful: skips only what depends on the failure', () => {
    const s = new Scheduler([task('lib'), task('app', ['lib']), task('e2e', ['app']), task('docs')], { concurrency: 1, continue: 'dependencies-successful' });
    const order: string[] = [];
    const skipped: string[] = [];
    while (!s.done) {
      for (const id of s.takeReady()) {
        order.push(id);
        skipped.push(...s.finish(id, id === 'lib' ? 'failed' : 'succeeded'));
      }
    }
    expect(order.sort()).toEqual(['docs', 'lib']);
    expect(skipped.sort()).toEqual(['app', 'e2e']);
  });

  it('--continue=always: runs dependents of a failure too', () => {
    const s = new Scheduler([task('lib'), task('app', ['lib'])], { concurrency: 1, continue: 'always' });
    expect(s.takeReady()).toEqual(['lib']);
    s.finish('lib', 'failed');
    expect(s.takeReady()).toEqual(['app']);
  });

  it('stop() skips what waits and lets running tasks finish', () => {
    const s = new Scheduler([task('a'), task('b', ['a'])], { concurrency: 1 });
    s.takeReady();
    expect(s.stop()).toEqual(['b']);
    expect(s.done).toBe(false);
    s.finish('a', 'succeeded');
    expect(s.done).toBe(true);
  });

  it('handles a 5,000-task chain given in any order', () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => task(`t${i}`, i === 0 ? [] : [`t${i - 1}`])).reverse();
    const s = new Scheduler(tasks, { concurrency: 2 });
    let count = 0;
    while (!s.done) for (const id of s.takeReady()) (s.finish(id, 'succeeded'), count++);
    expect(count).toBe(5000);
  });
});
