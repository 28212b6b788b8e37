import { describe, expect, it } from 'vitest';
import { KeptGitAnswers } from '../daemon/KeptGitAnswers.js';

describe('KeptGitAnswers (the daemon keeps git answers, docs/daemon.md)', () => {
  it('hands an answer back only under the stamp it was kept with, and forgets it once the stamp has passed', () => {
    const kept = new KeptGitAnswers();
    kept.keep('rev-parse main', 'refs 1', 'abc\n');
    expect(kept.recall('rev-parse main', 'refs 1')).toBe('abc\n');
    expect(kept.recall('rev-parse main', 'refs 2')).toBeUndefined();
    // Dropped when found stale: back under the old stamp it is not there either.
    expect(kept.recall('rev-parse main', 'refs 1')).toBeUndefined();
    expect(kept.recall('diff a b', '')).toBeUndefined();
  });

  it('keeps at most its size in characters, dropping the least recently used first', () => {
    const kept = new KeptGitAnswers(10);
    kept.keep('a', '', 'aaaa');
    kept.keep('b', '', 'bbbb');
    expect(kept.recall('a', '')).toBe('aaaa');
    kept.keep('c', '', 'cccc');
    expect(kept.recall('b', '')).toBeUndefined();
    expect(kept.recall('a', '')).toBe('aaaa');
    expect(kept.recall('c', '')).toBe('cccc');
    kept.keep('huge', '', 'x'.repeat(11));
    expect(kept.recall('huge', '')).toBeUndefined();
    expect(kept.recall('a', '')).toBe('aaaa');
  });
});
