/**
 * How a failed task's `error` carries what its recovery strategy said when it gave up:
 * `exited with code 1 (rollback: removed dist/a.js …)`; unchanged when it said nothing (a
 * strategy with nothing to report, `recovery: none`).
 */
export function withRecoveryNote(error: string, strategy: string, said: string): string {
  return said ? `${error}${note(strategy, said)}` : error;
}

/**
 * A failed task's `error` without what its recovery said, for a reporter that printed that on a
 * line of its own (`⟲ rollback after execute failed …`), so it is printed once (issue 15,
 * finding 14).
 */
export function withoutRecoveryNote(error: string, strategy: string, said: string): string {
  const added = note(strategy, said);
  return said && error.endsWith(added) ? error.slice(0, -added.length) : error;
}

function note(strategy: string, said: string): string {
  return ` (${strategy}: ${said})`;
}
