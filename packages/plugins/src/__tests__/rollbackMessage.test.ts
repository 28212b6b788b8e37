import { describe, expect, it } from 'vitest';
import { rollbackMessage } from '../recovery/rollbackMessage.js';

// Issue 15, part 6: a rollback names what it removed and restored, and how to keep the files.
describe('rollbackMessage', () => {
  const keep = "to keep a failed task's files, set `recovery: none` on its target or command";

  it('names every path up to five, then how many more', () => {
    const removed = ['dist/a.js', 'dist/b.js', 'dist/c.js', 'dist/d.js', 'dist/e.js', 'dist/f.js', 'dist/g.js'];
    expect(rollbackMessage([], removed)).toBe(`removed dist/a.js, dist/b.js, dist/c.js, dist/d.js, dist/e.js and 2 more (as before the task ran); ${keep}`);
    expect(rollbackMessage(['src/x.ts'], ['dist/a.js'])).toBe(`removed dist/a.js; restored src/x.ts (as before the task ran); ${keep}`);
  });

  it('says nothing when it touched nothing', () => {
    expect(rollbackMessage([], [])).toBe('');
  });
});
