/**
 * Names for a message: sorted, the first `limit` of them and "and N more" (`a, b, c and 9 more`),
 * so a problem in 500 packages is one line; `none` for no names.
 */
export function listNames(names: Iterable<string>, limit = 10): string {
  const sorted = [...names].sort();
  if (sorted.length === 0) return 'none';
  return sorted.length > limit ? `${sorted.slice(0, limit).join(', ')} and ${sorted.length - limit} more` : sorted.join(', ');
}
