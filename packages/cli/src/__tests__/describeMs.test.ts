import { describe, expect, it } from 'vitest';
import { describeMs } from '../daemon/describeMs.js';

// Found by a fresh tester (session 26): ORCH_DAEMON_IDLE_TIMEOUT=90s was logged as "idle timeout 2 min".
describe('describeMs', () => {
  it.each([
    [1_500, '1.5 s'],
    [90_000, '1 min 30 s'],
    [900_000, '15 min'],
    [150_000, '2 min 30 s'],
    [5_340_000, '1 h 29 min'],
    [9_000_000, '2.5 h'],
    [2 ** 31 - 1, '596 h 31 min'],
  ])('%d ms reads %s, never rounded to another duration', (ms, text) => {
    expect(describeMs(ms)).toBe(text);
  });
});
