import { checkSessionId, OrchError } from '@orch/engine';

/**
 * The session a command about one session names (`orch report`, `orch status`): at most one id,
 * or `--last`, not both. Returns the id, or undefined for the command's default.
 * Throws a usage error naming the fix otherwise, and for an id that is not a plain one (`checkSessionId`).
 */
export function sessionArgument(command: string, positionals: readonly string[], last: boolean): string | undefined {
  if (positionals.length > 1) throw new OrchError('usage', `name one session, not ${positionals.length}`, { hint: '`orch sessions` lists them' });
  if (positionals.length === 1 && last) throw new OrchError('usage', 'name a session or give --last, not both', { hint: `e.g. orch ${command} ${positionals[0]}` });
  return positionals[0] === undefined ? undefined : checkSessionId(positionals[0], 'session id');
}
