import { describe, expect, it } from 'vitest';
import { ErrorExcerpt, isErrorLine } from '../run/ErrorExcerpt.js';

describe('ErrorExcerpt', () => {
  it('keeps the first error line with two lines before it, however long the stack trace after it', () => {
    const excerpt = new ErrorExcerpt();
    excerpt.push('stdout', '> tsc -b\n\ncompiling 3 files\n');
    excerpt.push('stderr', "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n");
    for (let i = 0; i < 500; i++) excerpt.push('stderr', `    at frame${i} (x.js:1:1)\n`);
    excerpt.push('stderr', 'Error: a later one\n');
    expect(excerpt.snapshot()).toEqual({
      line: 4,
      context: 2,
      lines: ['> tsc -b', 'compiling 3 files', "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.", '    at frame0 (x.js:1:1)', '    at frame1 (x.js:1:1)', '    at frame2 (x.js:1:1)'],
    });
  });

  it('joins a line split across writes, keeps each stream apart, and finds an unfinished error line', () => {
    const excerpt = new ErrorExcerpt();
    excerpt.push('stdout', 'partial ');
    excerpt.push('stderr', 'Type');
    excerpt.push('stdout', 'line\n');
    expect(excerpt.snapshot()).toBeUndefined();
    excerpt.push('stderr', 'Error: boom');
    expect(excerpt.snapshot()).toEqual({ line: 2, context: 1, lines: ['partial line', 'TypeError: boom'] });
  });

  it('cuts long lines, so one huge line cannot fill memory', () => {
    const excerpt = new ErrorExcerpt();
    excerpt.push('stdout', `Error: ${'x'.repeat(100_000)}\n`);
    expect(excerpt.snapshot()!.lines[0]!.length).toBeLessThanOrEqual(400);
  });

  it.each([
    'Error: Cannot find module x',
    'TypeError: undefined is not a function',
    "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'",
    'src/a.ts(1,1): error TS1005',
    'src/a.ts:1:1 - error TS2304: Cannot find name',
    'error[E0308]: mismatched types',
    'error: linker failed',
    ' FAIL  src/a.test.ts > adds',
    '  ✗ adds numbers',
    ' × adds numbers',
    '  3:7  error  Unexpected var  no-var',
    'npm ERR! code ELIFECYCLE',
    '[ERROR] Failed to execute goal',
    'panic: runtime error: index out of range',
    'fatal: not a git repository',
    'Traceback (most recent call last):',
    '\u001b[31mError: in red\u001b[39m',
  ])('takes %j for an error line', (line) => expect(isErrorLine(line)).toBe(true));

  it.each(['0 errors, 2 warnings', 'compiled with no errors', 'handled the error gracefully', 'Tests: 3 passed', 'errorHandler.ts'])('leaves %j alone', (line) => expect(isErrorLine(line)).toBe(false));
});
