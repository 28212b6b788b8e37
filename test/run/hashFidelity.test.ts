import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { affected, commit, explain, manifest, ran, run, workspace } from '../helpers/hashWorkspace.js';

// The task hash and `orch affected` agree: whatever makes `affected` list a project changes the
// hash of that project's tasks. Each test makes one kind of change in a real git repository and
// checks both sides: `orch affected --list` (and why), and whether `orch run` runs the task again
// (counted in runs.log, which every build appends to) or `orch explain` names the change.

describe('gitignored files named in inputs', () => {
  const files = {
    'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'], inputs: ['src/**', 'gen/**'] }, test: { inputs: ['**'] } } }),
    'p/c/package.json': manifest('c'),
    'p/c/src/index.js': 'module.exports = 1;\n',
    'p/c/gen/client.txt': 'generated v1\n',
    'p/c/node_modules/dep/index.js': 'installed\n',
    'p/lib/package.json': manifest('lib'),
  };

  it('are hashed: editing one misses the cache, and explain marks it (ignored by git)', () => {
    const dir = workspace(files);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['c', 'lib']);
    writeTree(dir, { 'p/c/gen/client.txt': 'generated v2\n' });
    const before = explain(dir, 'c#build');
    expect(before.cache).toBe('miss');
    expect(before.changes).toEqual(['changed: p/c/gen/client.txt (ignored by git)']);
    expect(before.ignoredByGit).toEqual(['p/c/gen/client.txt']);
    expect(runOrch(['explain', 'c#build'], dir).stdout).toMatch(/file: +p\/c\/gen\/client\.txt \w+ \(ignored by git\)/);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['c']);
  });

  it('`**` takes ignored files but never node_modules; default inputs stay what git tracks', () => {
    const dir = workspace({ ...files, 'orchestrator.config.json': JSON.stringify({ targets: { test: { inputs: ['**'] } } }) });
    const all = Object.keys(explain(dir, 'c#test').inputs.files);
    expect(all).toContain('p/c/gen/client.txt');
    expect(all.filter((path) => path.includes('node_modules'))).toEqual([]);
    const defaults = Object.keys(explain(dir, 'c#build').inputs.files);
    expect(defaults).toContain('p/c/src/index.js');
    expect(defaults).not.toContain('p/c/gen/client.txt');
  });

  it('orch affected cannot see them (git does not report ignored files); --files names them', () => {
    const dir = workspace(files);
    writeTree(dir, { 'p/c/gen/client.txt': 'generated v2\n' });
    expect(affected(dir)).toEqual({});
    const named = runOrch(['affected', '--list', '--json', '--files', 'p/c/gen/client.txt'], dir);
    expect(JSON.parse(named.stdout).projects.map((p: { name: string }) => p.name)).toEqual(['c']);
  });
});

interface LockVersions {
  leaf?: string;
  ts?: string;
  leafIntegrity?: string;
}

/** c -> dep-a -> dep-leaf (registry packages); app -> c (workspace); lib resolves nothing; the root has typescript. */
const lockfiles = {
  'pnpm-lock.yaml': ({ leaf = '2.1.2', ts = '5.4.0', leafIntegrity = `sha512-leaf${leaf}` }: LockVersions = {}) => `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.0.0
        version: ${ts}

  p/app:
    dependencies:
      c:
        specifier: workspace:*
        version: link:../c

  p/c:
    dependencies:
      dep-a:
        specifier: ^1.0.0
        version: 1.0.0

  p/lib: {}

packages:

  dep-a@1.0.0:
    resolution: {integrity: sha512-depa}

  dep-leaf@${leaf}:
    resolution: {integrity: ${leafIntegrity}}

  typescript@${ts}:
    resolution: {integrity: sha512-ts${ts}}

snapshots:

  dep-a@1.0.0:
    dependencies:
      dep-leaf: ${leaf}

  dep-leaf@${leaf}: {}

  typescript@${ts}: {}
`,
  'package-lock.json': ({ leaf = '2.1.2', ts = '5.4.0', leafIntegrity = `sha512-leaf${leaf}` }: LockVersions = {}) =>
    JSON.stringify(
      {
        name: 'root',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'root', workspaces: ['p/*'], devDependencies: { typescript: '^5.0.0' } },
          'p/app': { name: 'app', version: '1.0.0', dependencies: { c: '*' } },
          'p/c': { name: 'c', version: '1.0.0', dependencies: { 'dep-a': '^1.0.0' } },
          'p/lib': { name: 'lib', version: '1.0.0' },
          'node_modules/app': { resolved: 'p/app', link: true },
          'node_modules/c': { resolved: 'p/c', link: true },
          'node_modules/lib': { resolved: 'p/lib', link: true },
          'node_modules/dep-a': { version: '1.0.0', integrity: 'sha512-depa', dependencies: { 'dep-leaf': '^2.1.0' } },
          'node_modules/dep-leaf': { version: leaf, integrity: leafIntegrity },
          'node_modules/typescript': { version: ts, integrity: `sha512-ts${ts}`, dev: true },
        },
      },
      null,
      2,
    ),
};

describe.each(Object.keys(lockfiles) as (keyof typeof lockfiles)[])('lockfile closures: %s', (file) => {
  const lock = lockfiles[file];
  const packages = {
    'p/app/package.json': manifest('app', { dependencies: { c: '*' } }),
    'p/c/package.json': manifest('c', { dependencies: { 'dep-a': '^1.0.0' } }),
    'p/lib/package.json': manifest('lib'),
  };

  it('a transitive bump (c -> dep-a -> dep-leaf 2.1.2 -> 2.1.3) is affected and misses the cache, for c and its dependents only', () => {
    const dir = workspace({ ...packages, [file]: lock() });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'c', 'lib']);
    writeTree(dir, { [file]: lock({ leaf: '2.1.3' }) });
    commit(dir, 'bump dep-leaf');
    expect(affected(dir)).toEqual({ c: ['lockfile: dep-leaf 2.1.2 -> 2.1.3'], app: ['depends on c'] });
    expect(explain(dir, 'c#build').changes).toEqual([`${file}: resolved dependencies of p/c changed`]);
    expect(explain(dir, 'lib#build').cache).toBe('hit');
    const result = runOrch(['affected', '-t', 'build'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(ran(dir)).toEqual(['app', 'c']);
    run(dir, 'build');
    expect(ran(dir)).toEqual([]);
  });

  it('closures come from the workspace cache only for the content they were taken from (issue 13): an edit keeping size and mtime is seen', async () => {
    const dir = workspace({ ...packages, [file]: lock() });
    const path = join(dir, file);
    // A whole-second mtime, put back after the edit; the file ages past the racy window first,
    // so the run records the lockfile's entry with its stat.
    const mtime = Math.floor(Date.now() / 1000) - 60;
    utimesSync(path, mtime, mtime);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'c', 'lib']);
    run(dir, 'build');
    expect(ran(dir)).toEqual([]);
    const size = statSync(path).size;
    writeTree(dir, { [file]: lock({ leafIntegrity: 'sha512-lexf2.1.2' }) });
    utimesSync(path, mtime, mtime);
    expect(statSync(path).size).toBe(size);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'c']);
    // What the cache gave is what parsing gives: without it, the same hashes (all hits).
    const fresh = runOrch(['run', 'build'], dir, { ORCH_WORKSPACE_CACHE: '0' });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(ran(dir)).toEqual([]);
  });

  it('the same version with another integrity (a republished or re-resolved package) counts too', () => {
    const dir = workspace({ ...packages, [file]: lock() });
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { [file]: lock({ leafIntegrity: 'sha512-other' }) });
    expect(affected(dir)).toEqual({ c: ['lockfile: dep-leaf 2.1.2 (integrity changed)'], app: ['depends on c'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'c']);
  });

  it("the root's own dependencies reach every package: in the lockfile, or in the root package.json", () => {
    const dir = workspace({ ...packages, [file]: lock() });
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { [file]: lock({ ts: '5.5.0' }) });
    const listed = affected(dir);
    expect(Object.keys(listed).sort()).toEqual(['app', 'c', 'lib']);
    expect(listed.lib).toEqual(['lockfile: typescript 5.4.0 -> 5.5.0 (root dependencies)']);
    expect(explain(dir, 'lib#build').changes).toEqual([`${file}: the root's resolved dependencies changed`]);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'c', 'lib']);

    // Without a lockfile change, a root dependency change reaches everyone.
    const other = workspace({ ...packages, [file]: lock() });
    run(other, 'build');
    ran(other);
    const root = JSON.parse(readFileSync(join(other, 'package.json'), 'utf8'));
    writeTree(other, { 'package.json': JSON.stringify({ ...root, devDependencies: { typescript: '^5.5.0' } }) });
    expect(affected(other).lib).toEqual(['root package.json: typescript null -> "^5.5.0"']);
    expect(explain(other, 'lib#build').changes).toEqual(['root package.json dependencies changed']);
    run(other, 'build');
    expect(ran(other)).toEqual(['app', 'c', 'lib']);
  });
});

describe('global inputs', () => {
  it('a change to one misses every task, as affected lists every project; a config change that leaves the definitions alone keeps the hits', () => {
    const dir = workspace({ 'tsconfig.base.json': '{}\n', 'ci/env.sh': 'X=1\n', 'p/a/package.json': manifest('a'), 'p/b/package.json': manifest('b') }, { globalInputs: ['ci/**'] });
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { 'tsconfig.base.json': '{ "compilerOptions": { "strict": true } }\n' });
    expect(affected(dir)).toEqual({ a: ['global input: changed: tsconfig.base.json'], b: ['global input: changed: tsconfig.base.json'] });
    expect(explain(dir, 'a#build').changes).toEqual(['changed: tsconfig.base.json']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['a', 'b']);
    writeTree(dir, { 'ci/env.sh': 'X=2\n' });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['a', 'b']);

    const config = JSON.parse(readFileSync(join(dir, 'orchestrator.config.json'), 'utf8'));
    writeTree(dir, { 'orchestrator.config.json': JSON.stringify({ ...config, concurrency: 1 }) });
    run(dir, 'build');
    expect(ran(dir)).toEqual([]);
  });
});

describe('^build passes through packages without build (app -> mid -> lib)', () => {
  const files = {
    'p/app/package.json': manifest('app', { dependencies: { mid: '*' }, needsBuilt: ['../lib'] }),
    'p/mid/package.json': JSON.stringify({ name: 'mid', version: '1.0.0', dependencies: { lib: '*' } }),
    'p/mid/index.js': 'module.exports = require("lib");\n',
    'p/lib/package.json': manifest('lib', { buildMs: 400 }),
    'p/lib/src/index.js': 'module.exports = 1;\n',
  };

  it('orders lib before app, in the graph and in the run', () => {
    const dir = workspace(files);
    expect(runOrch(['graph', 'app#build'], dir).stdout).toBe('lib#build\napp#build  <- lib#build\n');
    const result = runOrch(['run', 'build'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(ran(dir)).toEqual(['app', 'lib']);
  });

  it("app's hash follows lib's build and mid's files, as affected does", () => {
    const dir = workspace(files);
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { 'p/lib/src/index.js': 'module.exports = 2;\n' });
    expect(affected(dir).app).toEqual(['depends on mid']);
    expect(explain(dir, 'app#build').changes).toEqual(['dependency lib#build']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app', 'lib']);
    commit(dir, 'lib');

    writeTree(dir, { 'p/mid/index.js': 'module.exports = require("lib") + 1;\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ mid: ['changed: p/mid/index.js'], app: ['depends on mid'] });
    expect(explain(dir, 'app#build').changes).toEqual(['transit package mid changed: its files or resolved dependencies (a ^ dependency passes through it)']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['app']);
  });
});

describe('a deleted workspace package', () => {
  const files = (spec: string) => ({
    'p/a/package.json': manifest('a'),
    'p/b/package.json': manifest('b', { dependencies: { a: spec } }),
    'p/c/package.json': manifest('c'),
    'p/d/package.json': manifest('d', { dependencies: { b: '*' } }),
  });

  it('affects the packages that still declare it and their dependents, and changes their hashes', () => {
    const dir = workspace(files('*'));
    run(dir, 'build', 'test');
    ran(dir);
    rmSync(join(dir, 'p/a'), { recursive: true });
    commit(dir, 'delete a');
    const listed = affected(dir);
    expect(listed).toEqual({ b: ['dependency a was deleted'], d: ['depends on b'] });
    expect(runOrch(['affected', '--list'], dir).stdout).not.toContain('outside every project');
    // b#test declares no dependencies, yet b resolves `a` differently now: its hash changes too.
    expect(explain(dir, 'b#test').changes).toEqual(['workspace dependency a removed']);
    expect(explain(dir, 'c#test').cache).toBe('hit');
    run(dir, 'build');
    expect(ran(dir)).toEqual(['b', 'd']);
  });

  // Found by a fresh tester (session 26): a package.json broken in a commit affected nothing, so a
  // CI gate of `orch affected` passed while `orch run` refused the package that depends on it.
  it.each([
    ['cut short', '{ "name": "a",'],
    ['a list', '[]'],
    ['renamed', manifest('a2')],
  ])('a package.json changed so it no longer reads as that package (%s) affects the packages that still declare it', (_what, text) => {
    const dir = workspace(files('*'));
    run(dir, 'build');
    ran(dir);
    writeFileSync(join(dir, 'p/a/package.json'), text);
    commit(dir, 'break a');
    expect(affected(dir)).toMatchObject({ b: ["dependency a's package.json changed, and no package is named a now"], d: ['depends on b'] });
  });

  it('running a package that declares it with workspace: names the package.json line and the fix', () => {
    const dir = workspace(files('workspace:*'));
    rmSync(join(dir, 'p/a'), { recursive: true });
    const result = runOrch(['run', 'b#build'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("p/b/package.json:9:5: warning: dependencies names 'a' (workspace:*), but no workspace package is named 'a' [workspace/missing-dependency]");
    expect(result.stderr).toContain("hint: was it deleted or renamed? restore it, or remove 'a' from p/b/package.json and run your package manager's install");
    // c and d are other packages, not spellings of a (FINDINGS-11 #11: suggest only close names).
    expect(result.stderr).not.toContain('did you mean');
    expect(runOrch(['run', 'c#build'], dir).stderr).not.toContain('missing-dependency');
    expect(explain(dir, 'b#test').inputs).toMatchObject({ workspaceDependencies: { a: '(missing)' } });
  });
});
