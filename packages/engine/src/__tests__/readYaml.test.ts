import { describe, expect, it } from 'vitest';
import { findDeepNesting } from '../yaml/findDeepNesting.js';
import { parseYaml, yamlValue } from '../yaml/readYaml.js';

describe('findDeepNesting', () => {
  it.each([
    ['flow brackets', 'a: [[[[x]]]]', 3, 5],
    ['block indentation', 'a:\n  b:\n    c: 1', 2, 12],
    ['compact sequences', '- - - x', 2, 0],
    ['JSON', '{"a":{"a":{"a":1}}}', 2, 5],
    ['brackets in a comment', 'a: 1 # [[[[[[[[[[', 3, -1],
    ['brackets in plain text', "d: don't [x [y [z", 2, -1],
    ['brackets in a quoted string', '"a: [[[[[["', 2, -1],
    ['a sibling at the same indentation', 'a:\n  b: 1\n  c: 2\nd: 3', 2, -1],
  ])('%s', (_name, text, max, offset) => {
    expect(findDeepNesting(text, max)).toBe(offset);
  });
});

describe('parseYaml and yamlValue', () => {
  it('refuses control characters YAML does not allow, at their offset', () => {
    expect(parseYaml('a: b\u0000c').problem).toMatchObject({ code: 'yaml/control-character', start: 4 });
    expect(parseYaml('a: "tab\tok"').problem).toBeUndefined();
  });

  it('finds a repeated key in a nested mapping, and takes `<<` as a key that may repeat', () => {
    const { document } = parseYaml('a:\n  b: 1\n  b: 2\n');
    expect(yamlValue(document!).problem).toMatchObject({ code: 'yaml/duplicate-key', start: 12 });
    expect(yamlValue(parseYaml('<<: 1\n<<: 2\n').document!).problem).toBeUndefined();
  });

  it('lets an alias refer to an anchor above it, and no further', () => {
    expect(yamlValue(parseYaml('a: &x 1\nb: *x\n').document!)).toEqual({ value: { a: 1, b: 1 } });
    expect(yamlValue(parseYaml('b: *x\na: &x 1\n').document!).problem).toMatchObject({ code: 'yaml/unknown-alias' });
  });
});
