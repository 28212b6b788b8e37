import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withinLimit } from '../plugin/withinLimit.js';

const never = () => new Promise<never>(() => {});
const late = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const outcome = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: Error) => ({ error: error.message }));

describe('withinLimit (calls with one limit share a timer)', () => {
  it('gives each call its own result or error, whatever the others under the same limit do', async () => {
    const limit = (work: Promise<unknown>, name: string) => outcome(withinLimit(work, 200, () => new Error(`${name} timed out`)));
    const results = await Promise.all([limit(late('a', 5), 'a'), limit(never(), 'stuck'), limit(Promise.reject(new Error('b failed')), 'b'), limit(late('c', 20), 'c')]);
    expect(results).toEqual([{ value: 'a' }, { error: 'stuck timed out' }, { error: 'b failed' }, { value: 'c' }]);
  });

  it('fails a call that never settles even when later calls under the same limit settle, and one under a shorter limit first', async () => {
    const failed: string[] = [];
    const watch = (promise: Promise<unknown>, name: string) => promise.catch(() => failed.push(name));
    const first = watch(withinLimit(never(), 150, () => new Error('first')), 'first (150 ms)');
    await late(undefined, 20);
    for (let i = 0; i < 50; i++) await withinLimit(Promise.resolve(i), 150, () => new Error('settled'));
    const short = watch(withinLimit(never(), 30, () => new Error('short')), 'short (30 ms)');
    const second = watch(withinLimit(never(), 150, () => new Error('second')), 'second (150 ms)');
    await Promise.all([first, short, second]);
    expect(failed).toEqual(['short (30 ms)', 'first (150 ms)', 'second (150 ms)']);
  });

  it('holds no process open once its calls have settled (a long limit does not keep orch alive)', () => {
    const module = fileURLToPath(new URL('../../dist/plugin/withinLimit.js', import.meta.url));
    const script = `const { withinLimit } = await import(${JSON.stringify(module)}); for (let i = 0; i < 3; i++) console.log(await withinLimit(Promise.resolve(i), 600000, () => new Error('late')));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.signal).toBeNull();
    expect(run.stdout).toBe('0\n1\n2\n');
  });
});
