import { describe, expect, it } from 'vitest';
import { palette, renderFailure } from '../reporters/renderRun.js';

const plain = palette(false);
const numbered = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ line: from + i, blanksBefore: 0 }));

describe('the failure summary says what it leaves out (issue 15, finding 15)', () => {
  it('counts the lines before the last ones when nothing looked like an error', () => {
    const tail = Array.from({ length: 12 }, (_, i) => `line ${19 + i}`);
    const shown = renderFailure({ id: 'web#build', status: 'failed', durationMs: 1, stage: 'execute', exitCode: 1, tail, tailAt: numbered(19, 12) }, plain);
    expect(shown.slice(1, 3)).toEqual(['   │ … 18 lines', '   │ line 19']);
  });

  it('labels an error that is among the last lines, and shows each line once', () => {
    const tail = ['TypeError: boom', ...Array.from({ length: 10 }, (_, i) => `    at f${i}`), 'Node.js v20'];
    const firstError = { line: 10, context: 0, lines: tail.slice(0, 6) };
    const shown = renderFailure({ id: 'web#build', status: 'failed', durationMs: 1, stage: 'execute', exitCode: 1, tail, tailAt: numbered(10, 12), firstError }, plain);
    expect(shown.slice(1)).toEqual([
      '   error (line 10 of the log):',
      '   │ TypeError: boom',
      ...[0, 1, 2, 3, 4].map((i) => `   │     at f${i}`),
      '   │ … 1 line',
      ...[6, 7, 8, 9].map((i) => `   │     at f${i}`),
      '   │ Node.js v20',
    ]);
  });
});
