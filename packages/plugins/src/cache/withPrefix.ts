/** The items of `sorted` (ascending by `key`) whose key starts with `prefix`, found by binary search. */
export function withPrefix<T>(sorted: readonly T[], key: (item: T) => string, prefix: string): T[] {
  if (prefix === '') return [...sorted];
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (key(sorted[mid]!) < prefix) low = mid + 1;
    else high = mid;
  }
  let end = low;
  while (end < sorted.length && key(sorted[end]!).startsWith(prefix)) end++;
  return sorted.slice(low, end);
}
