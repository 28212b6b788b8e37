import { createHash } from 'node:crypto';

/**
 * JSON with sorted keys, so equal values always give the same text (and the same hash). Built by
 * appending, with no array per object or list to join: every task's hash inputs go through it,
 * and the arrays were a third of what hashing a cached task allocated. `known` gives the text of
 * objects every task shares (the plugins' versions, the config's fingerprint), made once.
 */
export function canonicalJson(value: unknown, known?: ReadonlyMap<object, string>): string {
  if (value && typeof value === 'object') {
    const text = known?.get(value);
    if (text !== undefined) return text;
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += i === 0 ? canonicalJson(value[i], known) : `,${canonicalJson(value[i], known)}`;
    return `${text}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let text = '{';
    for (let i = 0; i < keys.length; i++) text += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalJson((value as Record<string, unknown>)[keys[i]!], known)}`;
    return `${text}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 (hex) of text or bytes. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
