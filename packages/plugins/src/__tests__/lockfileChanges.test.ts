import { describe, expect, it } from 'vitest';
import { diffLockfile } from '../affected/lockfileChanges.js';
import { readLockfileClosures } from '../lockfile/lockfileClosures.js';

const v6 = (ms: string) => `lockfileVersion: '6.0'
importers:
  packages/a:
    dependencies:
      lodash:
        specifier: ^4.17.0
        version: 4.17.21
  packages/b:
    dependencies:
      chalk:
        specifier: ^5.0.0
        version: 5.3.0
packages:
  /lodash@4.17.21:
    resolution: {integrity: sha512-a}
    dependencies:
      ms: ${ms}
  /ms@${ms}:
    resolution: {integrity: sha512-b}
  /chalk@5.3.0:
    resolution: {integrity: sha512-c}
`;

describe('diffLockfile', () => {
  it('pnpm v6 keys (/name@version): a transitive change reaches only the importer that resolves it', () => {
    expect(diffLockfile('pnpm-lock.yaml', v6('2.1.2'), v6('2.1.3'))).toEqual(new Map([['packages/a', ['ms 2.1.2 -> 2.1.3']]]));
  });

  it('a new lockfile: every importer with dependencies; an unchanged one: none', () => {
    expect([...diffLockfile('pnpm-lock.yaml', undefined, v6('2.1.2')).keys()]).toEqual(['packages/a', 'packages/b']);
    expect(diffLockfile('pnpm-lock.yaml', v6('2.1.2'), v6('2.1.2')).size).toBe(0);
  });

  it('npm: a package nested under another resolves before the hoisted one', () => {
    const lock = (nested: string) =>
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'root' },
          'packages/a': { dependencies: { debug: '^4' } },
          'packages/b': { dependencies: { ms: '^2' } },
          'node_modules/debug': { version: '4.3.4', dependencies: { ms: '^2.1' } },
          'node_modules/debug/node_modules/ms': { version: nested },
          'node_modules/ms': { version: '2.0.0' },
        },
      });
    expect(diffLockfile('package-lock.json', lock('2.1.2'), lock('2.1.3'))).toEqual(new Map([['packages/a', ['ms 2.1.2 -> 2.1.3']]]));
  });

  it('throws on a lockfile it cannot read, so the caller falls back to everything', () => {
    expect(() => diffLockfile('package-lock.json', '{"lockfileVersion": 1, "dependencies": {}}', '{}')).toThrow('lockfileVersion 1 is not supported');
    expect(() => diffLockfile('pnpm-lock.yaml', 'a: [', v6('1'))).toThrow();
  });
});

const v9 = ({ leaf = '2.1.2', integrity = 'sha512-leaf' } = {}) => `lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.0.0
        version: 5.4.0

  packages/app:
    dependencies:
      c:
        specifier: workspace:*
        version: link:../c
      ui-kit:
        specifier: ^1.0.0
        version: 1.0.0(react@18.2.0)
      strip-cjs:
        specifier: npm:strip-ansi@6.0.1
        version: strip-ansi@6.0.1

  packages/c:
    dependencies:
      dep-a:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  dep-a@1.0.0:
    resolution: {integrity: sha512-depa}

  dep-leaf@${leaf}:
    resolution: {integrity: ${integrity}}

  react@18.2.0:
    resolution: {integrity: sha512-react}

  strip-ansi@6.0.1:
    resolution: {integrity: sha512-strip}

  typescript@5.4.0:
    resolution: {integrity: sha512-ts}

  ui-kit@1.0.0:
    resolution: {tarball: https://example.test/ui-kit-1.0.0.tgz}

snapshots:

  dep-a@1.0.0:
    dependencies:
      dep-leaf: ${leaf}

  dep-leaf@${leaf}: {}

  react@18.2.0: {}

  strip-ansi@6.0.1: {}

  typescript@5.4.0: {}

  ui-kit@1.0.0(react@18.2.0):
    dependencies:
      react: 18.2.0
      dep-a: 1.0.0
`;

const entries = (closure: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined) =>
  Object.fromEntries([...(closure ?? [])].map(([name, versions]) => [name, Object.fromEntries(versions)]));

describe('readLockfileClosures', () => {
  it('pnpm v9: each importer resolves its packages transitively, with integrity; peers, aliases and tarballs; workspace links left out', () => {
    const closures = readLockfileClosures('pnpm-lock.yaml', v9());
    expect(closures.folders).toEqual(['.', 'packages/app', 'packages/c']);
    expect(entries(closures.closure('packages/c'))).toEqual({ 'dep-a': { '1.0.0': 'sha512-depa' }, 'dep-leaf': { '2.1.2': 'sha512-leaf' } });
    expect(entries(closures.closure('packages/app'))).toEqual({
      'ui-kit': { '1.0.0': 'https://example.test/ui-kit-1.0.0.tgz' },
      react: { '18.2.0': 'sha512-react' },
      'dep-a': { '1.0.0': 'sha512-depa' },
      'dep-leaf': { '2.1.2': 'sha512-leaf' },
      'strip-cjs': { 'strip-ansi@6.0.1': 'sha512-strip' },
    });
    expect(entries(closures.closure('.'))).toEqual({ typescript: { '5.4.0': 'sha512-ts' } });
    expect(closures.closure('packages/none')).toBeUndefined();
    // Memoised: the same object for the same folder.
    expect(closures.closure('packages/c')).toBe(closures.closure('packages/c'));
  });

  it('npm v3: integrity and the nested copy Node would load', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'root', devDependencies: { typescript: '^5' } },
        'packages/a': { dependencies: { debug: '^4', b: '*' } },
        'node_modules/b': { resolved: 'packages/b', link: true },
        'node_modules/debug': { version: '4.3.4', integrity: 'sha512-debug', dependencies: { ms: '^2.1' } },
        'node_modules/debug/node_modules/ms': { version: '2.1.3', integrity: 'sha512-ms213' },
        'node_modules/ms': { version: '2.0.0', integrity: 'sha512-ms200' },
        'node_modules/typescript': { version: '5.4.0', resolved: 'https://registry.example.test/typescript-5.4.0.tgz' },
      },
    });
    const closures = readLockfileClosures('package-lock.json', lock);
    expect(closures.folders).toEqual(['.', 'packages/a']);
    expect(entries(closures.closure('packages/a'))).toEqual({ debug: { '4.3.4': 'sha512-debug' }, ms: { '2.1.3': 'sha512-ms213' } });
    expect(entries(closures.closure('.'))).toEqual({ typescript: { '5.4.0': 'https://registry.example.test/typescript-5.4.0.tgz' } });
  });
});

describe('diffLockfile with closures', () => {
  it('a transitive bump reaches every importer that resolves it, through a peer-suffixed snapshot too', () => {
    expect(diffLockfile('pnpm-lock.yaml', v9(), v9({ leaf: '2.1.3' }))).toEqual(
      new Map([
        ['packages/app', ['dep-leaf 2.1.2 -> 2.1.3']],
        ['packages/c', ['dep-leaf 2.1.2 -> 2.1.3']],
      ]),
    );
  });

  it('the same version with another integrity is a change', () => {
    expect(diffLockfile('pnpm-lock.yaml', v9(), v9({ integrity: 'sha512-other' })).get('packages/c')).toEqual(['dep-leaf 2.1.2 (integrity changed)']);
  });
});
