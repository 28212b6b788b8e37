import { OrchError } from '../OrchError.js';
import { parseDuration } from '../parseDuration.js';

/** How long loading a JavaScript or TypeScript config may take, unless `ORCH_CONFIG_TIMEOUT` says otherwise. */
export const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;

/** The longest time limit a timer can hold (2^31 - 1 ms, about 24.8 days); Node warns and fires at once past it. */
export const MAX_CONFIG_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The config time limit in milliseconds, from `ORCH_CONFIG_TIMEOUT` (`30s`, `2m`, `500ms`, or a
 * number of milliseconds), else 10 s. Throws `OrchError('usage')` naming the variable and the
 * form it takes for anything else (`abc`, `0`, or more than 24 days): a limit the user set is
 * never dropped in silence (issue 12, findings #13).
 */
export function configTimeoutMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const given = env.ORCH_CONFIG_TIMEOUT;
  if (given === undefined || given.trim() === '') return DEFAULT_CONFIG_TIMEOUT_MS;
  const ms = parseDuration(given);
  if (ms !== undefined && ms >= 1 && ms <= MAX_CONFIG_TIMEOUT_MS) return Math.round(ms);
  const why = ms === undefined ? 'is not a duration' : ms < 1 ? 'is no time at all' : 'is longer than the 24 days a timer can wait';
  throw new OrchError('usage', `ORCH_CONFIG_TIMEOUT=${given} ${why}`, {
    hint: `set it to a duration from 1ms to 24d, such as 30s, 2m or 500ms (a bare number is milliseconds), or unset it for the default ${DEFAULT_CONFIG_TIMEOUT_MS / 1000}s`,
  });
}
