import { hash } from 'node:crypto';

/**
 * JSON with sorted keys, so equal values always give the same text (and the same hash). Built by
 * appending, with no array per object or list to join: every task's hash inputs go through it,
 * and the arrays were a third of what hashing a cached task allocated. `known` gives the text of
 * objects every task shares (the plugins' versions, the config's fingerprint), made once.
 *
 * Most of a hash's parts are flat records of strings whose keys are already in order (files,
 * dependencies, definition parts: built from sorted lists): such a record, or a list of plain
 * values, is written by one `JSON.stringify`, which gives the very same text (`isFlat`), and
 * keys already in order are not sorted again (issue 13: sorting and appending were most of what
 * hashing a cached task allocated).
 */
export function canonicalJson(value: unknown, known?: ReadonlyMap<object, string>): string {
  if (!value || typeof value !== 'object') return JSON.stringify(value ?? null);
  const text = known?.get(value);
  if (text !== undefined) return text;
  if (Array.isArray(value)) {
    if (value.every(isPlain)) return JSON.stringify(value);
    let text = '[';
    for (let i = 0; i < value.length; i++) text += i === 0 ? canonicalJson(value[i], known) : `,${canonicalJson(value[i], known)}`;
    return `${text}]`;
  }
  const keys = Object.keys(value);
  if (!inOrder(keys)) sortInPlace(keys);
  else if (isFlat(value, keys)) return JSON.stringify(value);
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalJson((value as Record<string, unknown>)[keys[i]!], known)}`;
  return `${out}}`;
}

/** Whether `JSON.stringify` writes the value as `canonicalJson` does: a string, a number, a boolean or null (not undefined, which it leaves out). */
function isPlain(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || value === null;
}

/** Keys in the order `sort()` would put them (UTF-16 code units): most records are built in that order. */
function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/**
 * Sorts keys as `sort()` does (UTF-16 code units; keys are distinct). A few, by insertion in
 * place: `sort()` copies the list first, and the hash inputs and a task's metadata, a dozen
 * keys each, are sorted for every task.
 */
function sortInPlace(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
}

/**
 * Whether a record (keys in order) is written by `JSON.stringify` exactly as by `canonicalJson`:
 * a plain object or one without a prototype (a `nameTable`), never one with a `toJSON` of its
 * own kind (a Date), whose values are all plain.
 */
function isFlat(value: object, keys: readonly string[]): boolean {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key of keys) if (!isPlain((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** SHA-256 (hex) of text (as UTF-8) or bytes: one call, no `Hash` object (Node 20.12+, as orch requires), half the time of `createHash` for a task's hash. */
export function sha256(text: string | Buffer): string {
  return hash('sha256', text, 'hex');
}
