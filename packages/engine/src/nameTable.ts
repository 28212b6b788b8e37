/**
 * A record keyed by names people write (command ids, package and script names, file paths,
 * variable names, front matter keys), with no prototype: `constructor`, `toString` or
 * `__proto__` is an entry like any other, never `Object.prototype`'s (issue 12 findings, #3).
 * From entries, or from a record (a parsed JSON file): its own entries only.
 */
export function nameTable<T>(entries: Iterable<readonly [string, T]> | Readonly<Record<string, T>> = []): Record<string, T> {
  const table: Record<string, T> = Object.create(null);
  const pairs = Symbol.iterator in entries ? (entries as Iterable<readonly [string, T]>) : Object.entries(entries as Record<string, T>);
  for (const [name, value] of pairs) table[name] = value;
  return table;
}

/** The entry a record holds for `name` itself, never one it inherits (`toString`). */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}
