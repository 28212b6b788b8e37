import { OrchError } from './OrchError.js';

/** At most this many characters: a folder name on every file system, with room for `.orch/sessions/`. */
const MAX_LENGTH = 64;

/** Letters, digits, `-`, `_` and `.`, not starting with `.`: one folder name that cannot leave its parent. */
const SESSION_ID = new RegExp(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,${MAX_LENGTH - 1}}$`);

/** What an id looks like (`SessionStore.newId`'s shape), for messages. */
export const SESSION_ID_EXAMPLE = '20261124-101500-a1b2';

/** Whether `id` is a plain session id (`checkSessionId`), for folders read from disk. */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/**
 * Throws a usage error (exit 2) unless `id` is a plain session id: 1 to 64 letters, digits, `-`,
 * `_` or `.`, not starting with `.`. A session id names the folder `<stateDir>/sessions/<id>/`
 * and `<stateDir>/logs/<id>/`, so this is what keeps an id that a user gives (`ORCH_SESSION_ID`,
 * `orch resume <id>`, `--session <id>`) from naming a path outside them (`../../x`, `/tmp/x`;
 * FINDINGS-15 #2). `source` names where it came from: `ORCH_SESSION_ID`, `--session`, `session id`.
 */
export function checkSessionId(id: string, source: string): string {
  if (SESSION_ID.test(id)) return id;
  const shown = JSON.stringify(id.length > MAX_LENGTH * 2 ? `${id.slice(0, MAX_LENGTH * 2)}…` : id);
  throw new OrchError('usage', `${source} ${shown} is not a session id: expected 1 to ${MAX_LENGTH} letters, digits, '-', '_' or '.' (not first)`, {
    hint: `e.g. ${source.startsWith('ORCH_') ? `${source}=${SESSION_ID_EXAMPLE}` : SESSION_ID_EXAMPLE}; \`orch sessions\` lists the sessions`,
  });
}
