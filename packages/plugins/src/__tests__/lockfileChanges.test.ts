import { describe, expect, it } from 'vitest';
import { diffLockfile } from '../affected/lockfileChanges.js';

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
