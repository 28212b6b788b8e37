/** Paths a rollback message names before it says how many more. */
const NAMED_PATHS = 5;

/**
 * What a rollback did, by path, and how to keep a failed task's files instead (issue 15, part 6:
 * files vanishing after a failure, unexplained, read as a bug). Empty when it touched nothing.
 */
export function rollbackMessage(restored: readonly string[], removed: readonly string[]): string {
  if (restored.length + removed.length === 0) return '';
  const parts = [
    ...(removed.length > 0 ? [`removed ${named(removed)}`] : []),
    ...(restored.length > 0 ? [`restored ${named(restored)}`] : []),
  ];
  return `${parts.join('; ')} (as before the task ran); to keep a failed task's files, set \`recovery: none\` on its target or command`;
}

function named(paths: readonly string[]): string {
  const shown = paths.slice(0, NAMED_PATHS).join(', ');
  return paths.length > NAMED_PATHS ? `${shown} and ${paths.length - NAMED_PATHS} more` : shown;
}
