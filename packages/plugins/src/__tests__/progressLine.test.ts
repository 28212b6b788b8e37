import { describe, expect, it } from 'vitest';
import { palette } from '../reporters/renderRun.js';
import { progressLine } from '../reporters/progressLine.js';

const progress = { finished: 2, total: 4, done: 2, failed: 0, skipped: 0, running: 2, queued: 0, elapsed: '3.2s' };
const plain = palette(false);

describe('the live view progress line (issue 15, finding 13)', () => {
  it('gives up the bar first, shrinking it, then the counts, then the share; never what runs, waits and the time', () => {
    expect(progressLine(progress, 120, plain)).toBe('████████████░░░░░░░░░░░░ 2/4  ✔ 2  ✖ 0  ↷ 0  2 running · 0 queued  3.2s');
    expect(progressLine(progress, 60, plain)).toBe('███████░░░░░░ 2/4  ✔ 2  ✖ 0  ↷ 0  2 running · 0 queued  3.2s');
    expect(progressLine(progress, 50, plain)).toBe('2/4  ✔ 2  ✖ 0  ↷ 0  2 running · 0 queued  3.2s');
    expect(progressLine(progress, 44, plain)).toBe('2/4  2 running · 0 queued  3.2s');
    expect(progressLine(progress, 30, plain)).toBe('2 running · 0 queued  3.2s');
  });
});
