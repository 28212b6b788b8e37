import { describe, expect, it } from 'vitest';
import { OutputTail } from '../run/OutputTail.js';

describe('OutputTail.numbered (issue 15, finding 15)', () => {
  it("numbers the kept lines as the log's lines, over both streams, with the blank lines before each", () => {
    const tail = new OutputTail(3);
    tail.push('stdout', 'one\ntwo\n\nthree\n');
    tail.push('stderr', 'four\n\n\nfive\nsix');
    expect(tail.numbered()).toEqual([
      { text: 'four', line: 5, blanksBefore: 0 },
      { text: 'five', line: 8, blanksBefore: 2 },
      { text: 'six', line: 9, blanksBefore: 0 },
    ]);
    expect(tail.snapshot()).toEqual(['four', 'five', 'six']);
  });

  it('counts the lines of a chunk it does not keep', () => {
    const tail = new OutputTail(2);
    tail.push('stdout', `${Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join('\n')}\n`);
    expect(tail.numbered()).toEqual([
      { text: 'line 999', line: 999, blanksBefore: 0 },
      { text: 'line 1000', line: 1000, blanksBefore: 0 },
    ]);
  });
});
