import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../cache/canonicalJson.js';

/** JSON.stringify with every object's keys sorted: what canonicalJson must give. */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k] ?? null])) : v));

describe('canonicalJson (the text task hashes are taken of)', () => {
  it.each([
    ['scalars', [null, 0, -1.5, 'a"b\n\u2028', true]],
    ['empty containers', { a: {}, b: [] }],
    ['keys in any order, at every depth', { z: 1, a: { y: [3, { d: 1, c: 2 }], b: null }, m: 'x' }],
    ['a hash input as orch builds it', { orch: '0.1.0', files: { 'src/b.ts': '100644 b', 'src/a.ts': '100644 a' }, env: { NODE_ENV: null }, args: ['--x'], dependencies: {}, plugins: { 'orch:b': '1', 'orch:a': '1' } }],
  ])('%s: JSON with every key sorted', (_, value) => {
    expect(canonicalJson(value)).toBe(sortedJson(value));
  });

  it('writes an absent value as null, in objects and lists alike', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1],"b":null}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('gives equal values the same text whatever order their keys were added in', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('writes a known object as its given text, wherever it is', () => {
    const shared = { b: 1, a: 2 };
    const known = new Map([[shared, canonicalJson(shared)]]);
    expect(canonicalJson({ x: shared, y: [shared] }, known)).toBe(canonicalJson({ x: shared, y: [shared] }));
    expect(canonicalJson({ x: shared }, new Map([[shared, '"given"']]))).toBe('{"x":"given"}');
  });

  // Records already in order are written by one JSON.stringify (issue 13): only where its text is the same.
  it.each([
    ['a record without a prototype (nameTable), keys in order', Object.assign(Object.create(null) as object, { 'a.ts': '100644 a', 'b.ts': '100644 b', __proto__x: 'p' })],
    ['values of every plain kind', { a: 'x', b: 1.5, c: true, d: null, e: Number.NaN }],
    ['few keys in reverse order, and many', { few: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${99 - i}`, i])), many: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${(i * 7919) % 1000}`, { z: i, a: [i] }])) }],
    ['lists of plain values, and of values that are not', { a: ['x', 1, null, false], b: [{ d: 1, c: 2 }, 'x'] }],
  ])('%s: the same text as every key sorted', (_, value) => {
    expect(canonicalJson(value)).toBe(sortedJson(value));
  });

  it('sorts keys that look like list indexes as text, though objects keep them first, in number order', () => {
    expect(canonicalJson({ b: 'x', 10: 'y', 9: 'z', a: 'w' })).toBe('{"10":"y","9":"z","a":"w","b":"x"}');
  });

  it('writes what JSON.stringify would write otherwise as before: absent values, dates, functions', () => {
    expect(canonicalJson({ a: 'x', b: undefined })).toBe('{"a":"x","b":null}');
    expect(canonicalJson(['x', undefined])).toBe('["x",null]');
    expect(canonicalJson({ a: new Date(0) })).toBe('{"a":{}}');
    expect(canonicalJson({ a: 'x', toJSON: () => 'other' })).toBe(`{"a":"x","toJSON":undefined}`);
  });
});
