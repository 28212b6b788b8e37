import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { keepValidParts } from '../config/keepValidParts.js';

const schema = v.strictObject({
  name: v.optional(v.string()),
  targets: v.optional(v.record(v.string(), v.strictObject({ dependsOn: v.optional(v.array(v.string())), run: v.string() }))),
  tags: v.optional(v.array(v.string())),
});

const kept = (raw: unknown) => {
  const first = v.safeParse(schema, raw);
  expect(first.success).toBe(false);
  return keepValidParts(schema, raw, first.issues!);
};

describe('keepValidParts', () => {
  it('leaves out each invalid value and keeps everything else', () => {
    const raw = { name: 'x', typo: 1, targets: { build: { dependsOn: '^build', run: 'b' }, test: { dependsOn: ['^nope'], run: 't' } }, tags: ['a', 2, 'c'] };
    expect(kept(raw)).toEqual({ name: 'x', targets: { build: { run: 'b' }, test: { dependsOn: ['^nope'], run: 't' } }, tags: ['a', 'c'] });
    // The input is not changed.
    expect(raw.targets.build.dependsOn).toBe('^build');
  });

  it('leaves out the parent when the invalid value is required there', () => {
    expect(kept({ name: 'x', targets: { build: { run: 3 }, test: { run: 't' } } })).toEqual({ name: 'x', targets: { test: { run: 't' } } });
  });

  it('is undefined when nothing valid is left', () => {
    expect(kept('not an object')).toBeUndefined();
  });
});
