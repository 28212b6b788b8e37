import { createHash } from 'node:crypto';

/**
 * JSON with sorted keys, so equal values always give the same text (and the same hash). Built by
 * appending, with no array per object or list to join: every task's hash inputs go through it,
 * and the arrays were a third of what hashing a cached task allocated.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += i === 0 ? canonicalJson(value[i]) : `,${canonicalJson(value[i])}`;
    return `${text}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let text = '{';
    for (let i = 0; i < keys.length; i++) text += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${canonicalJson((value as Record<string, unknown>)[keys[i]!])}`;
    return `${text}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 (hex) of text or bytes. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
