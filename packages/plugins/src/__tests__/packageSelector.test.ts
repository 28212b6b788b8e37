import { describe, expect, it } from 'vitest';
import { parseSelector } from '../affected/packageSelector.js';

// The cases of Turborepo's own parser tests (crates/turborepo-lib/src/run/scope/target_selector.rs).
describe("parseSelector reads Turborepo's filter microsyntax", () => {
  const base = { exclude: false, withDependencies: false, withDependents: false, excludeSelf: false, changedInDependencies: false };
  it.each([
    ['foo', { name: 'foo' }],
    ['@acme/*', { name: '@acme/*' }],
    ['foo...', { name: 'foo', withDependencies: true }],
    ['...foo', { name: 'foo', withDependents: true }],
    ['...foo...', { name: 'foo', withDependents: true, withDependencies: true }],
    ['foo^...', { name: 'foo', withDependencies: true, excludeSelf: true }],
    ['...^foo', { name: 'foo', withDependents: true, excludeSelf: true }],
    ['!foo', { name: 'foo', exclude: true }],
    ['./foo', { directory: './foo' }],
    ['../foo', { directory: '../foo' }],
    ['./packages/*', { directory: './packages/*' }],
    ['.', { directory: '.' }],
    ['...{./foo}', { directory: './foo', withDependents: true }],
    ['[master]', { since: { from: 'master' } }],
    ['[HEAD~1]', { since: { from: 'HEAD~1' } }],
    ['[origin/main]', { since: { from: 'origin/main' } }],
    ['[from...to]', { since: { from: 'from', to: 'to' } }],
    ['{foo}[master]', { directory: 'foo', since: { from: 'master' } }],
    ['pattern{foo}[master]', { name: 'pattern', directory: 'foo', since: { from: 'master' } }],
    ['[master]...', { since: { from: 'master' }, withDependencies: true }],
    ['...[master]', { since: { from: 'master' }, withDependents: true }],
    ['...[master]...', { since: { from: 'master' }, withDependents: true, withDependencies: true }],
    ['foo...[master]', { name: 'foo', since: { from: 'master' }, changedInDependencies: true }],
    ['foo...[master]...', { name: 'foo', since: { from: 'master' }, changedInDependencies: true, withDependencies: true }],
    ['{foo}...[master]', { directory: 'foo', since: { from: 'master' }, changedInDependencies: true }],
  ])('%s', (raw, expected) => {
    expect(parseSelector(raw)).toEqual({ raw, ...base, ...expected });
  });

  it.each([
    ['', 'it names no package'],
    ['!', 'it names no package'],
    ['...', 'it names no package'],
    ['{}', '{} names no folder'],
    ['[]', '[] names no ref'],
    ['......[master]', "'...[master]' needs a package before it"],
    ['[a...]', "'[a...]' is not [<from>] or [<from>...<to>]"],
    ['web[main', "'web[main' is not <name>{<folder>}[<ref>]"],
  ])('refuses %j, saying why and what is valid', (raw, why) => {
    expect(() => parseSelector(raw)).toThrowError(expect.objectContaining({ code: 'usage', message: expect.stringContaining(why), hint: expect.stringContaining('./packages/*, web..., ...web') }));
  });
});
