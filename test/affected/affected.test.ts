import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
const commit = (dir: string, message: string) => {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
};

const pkg = (name: string, dependencies: Record<string, string> = {}, extra: object = {}) =>
  JSON.stringify({ name, version: '1.0.0', scripts: { build: 'node ../../build.cjs', test: 'node -e 0' }, dependencies, ...extra }, null, 2);

/**
 * A workspace on branch `main`: b depends on a, d on b, c stands alone, and gen is a project
 * nested inside a's folder. Builds append the package name to runs.log. The test continues on
 * a `feature` branch.
 */
function workspace(files: Record<string, string> = {}): string {
  const dir = tempRepo({
    // .orch/ not ignored, as users often forget: orch's own state is never part of a change.
    '.gitignore': 'runs.log\ndist/\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*', 'packages/a/tools/*'] }, null, 2),
    'build.cjs': "require('fs').appendFileSync(require('path').join(__dirname, 'runs.log'), require(process.cwd() + '/package.json').name + '\\n');\n",
    'README.md': '# repo\n',
    'tsconfig.base.json': '{}\n',
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
    'packages/a/package.json': pkg('a'),
    'packages/a/src/index.js': 'module.exports = 1;\n',
    'packages/a/tools/gen/package.json': pkg('gen').replaceAll('../../build.cjs', '../../../../build.cjs'),
    'packages/a/tools/gen/index.js': '// gen\n',
    'packages/b/package.json': pkg('b', { a: '*' }),
    'packages/b/src/index.js': 'module.exports = 2;\n',
    'packages/c/package.json': pkg('c', {}, { orch: { tags: ['legacy'] } }),
    'packages/c/src/old.js': 'module.exports = 3;\n',
    'packages/d/package.json': pkg('d', { b: '*' }),
    ...files,
  });
  git(dir, 'checkout', '-qb', 'main');
  commit(dir, 'init');
  git(dir, 'checkout', '-qb', 'feature');
  return dir;
}

type Listed = { projects: { name: string; reasons: string[] }[]; commands: { name: string; reasons: string[] }[]; files: { path: string; status: string }[]; outside: string[]; tasks?: string[]; mergeBase: string | null };
const list = (dir: string, ...args: string[]): Listed => {
  const result = runOrch(['affected', '--list', '--json', ...args], dir);
  if (result.code !== 0) throw new Error(`orch affected failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Listed;
};
const names = (listed: Listed) => listed.projects.map((p) => p.name).sort();
const reasonOf = (listed: Listed, name: string) => [...listed.projects, ...listed.commands].find((p) => p.name === name)?.reasons;

describe('orch affected: files to projects', () => {
  it('a committed change affects its project and its dependents transitively, with reasons', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/a/src/index.js': 'module.exports = 10;\n' });
    commit(dir, 'change a');
    const listed = list(dir);
    expect(names(listed)).toEqual(['a', 'b', 'd']);
    expect(reasonOf(listed, 'a')).toEqual(['changed: packages/a/src/index.js']);
    expect(reasonOf(listed, 'b')).toEqual(['depends on a']);
    expect(reasonOf(listed, 'd')).toEqual(['depends on b']);
    expect(listed.mergeBase).toBe(git(dir, 'rev-parse', 'main').trim());
    const text = runOrch(['affected', '--list'], dir).stdout;
    expect(text).toContain('1 file changed since main');
    expect(text).toMatch(/a\s+changed: packages\/a\/src\/index.js/);
    expect(text).toMatch(/d\s+depends on b/);
  });

  it('a file in a nested project belongs to the nested project, not the one around it', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/a/tools/gen/index.js': '// gen 2\n' });
    expect(names(list(dir))).toEqual(['gen']);
  });

  it('renames count for both folders; deletions count; a file outside every project affects nothing', () => {
    const dir = workspace();
    renameSync(join(dir, 'packages/c/src/old.js'), join(dir, 'packages/b/src/moved.js'));
    commit(dir, 'move');
    const listed = list(dir);
    expect(names(listed)).toEqual(['b', 'c', 'd']);
    expect(reasonOf(listed, 'b')).toEqual(['renamed: packages/c/src/old.js -> packages/b/src/moved.js']);
    expect(reasonOf(listed, 'c')).toEqual(['deleted: packages/c/src/old.js']);

    const other = workspace();
    rmSync(join(other, 'packages/c/src/old.js'));
    writeTree(other, { 'README.md': '# changed\n' });
    const deleted = list(other);
    expect(names(deleted)).toEqual(['c']);
    expect(deleted.outside).toEqual(['README.md']);
    expect(runOrch(['affected', '--list'], other).stdout).toContain('outside every project (affect nothing): README.md');
  });

  it('uncommitted and untracked files count unless --committed-only; --files names them instead', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/c/src/new.js': 'new\n', 'packages/a/src/index.js': 'dirty\n' });
    expect(names(list(dir))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(list(dir, '--committed-only'))).toEqual([]);
    expect(names(list(dir, '--files', 'packages/c/src/old.js'))).toEqual(['c']);
    expect(runOrch(['affected', '--list'], workspace()).stdout).toContain('nothing is affected');
  });

  // Session 24's tester: `git diff` against the work tree refreshed git's index and wrote it back,
  // so a `git add` of the user's at that moment failed on index.lock.
  it('never writes git\'s index, even when its stat data is out of date (a touched file)', () => {
    const dir = workspace();
    const index = join(dir, '.git', 'index');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'packages/a/src/index.js'), past, past);
    const before = readFileSync(index);
    expect(names(list(dir))).toEqual([]);
    expect(runOrch(['run', 'build', '--dry-run'], dir).code).toBe(0);
    expect(readFileSync(index).equals(before)).toBe(true);
    expect(readdirSync(join(dir, '.git')).filter((name) => name.startsWith('index.'))).toEqual([]);
    // git itself would have written it (what orch used to make it do).
    git(dir, 'diff', '--name-status', 'HEAD');
    expect(readFileSync(index).equals(before)).toBe(false);
  });

  it('in a linked worktree neither, and a copy a killed orch left beside the index is removed', () => {
    const dir = workspace();
    const tree = join(mkdtempSync(join(tmpdir(), 'orch-worktree-')), 'tree');
    git(dir, 'worktree', 'add', '-q', tree, '-b', 'side');
    const index = join(dir, '.git', 'worktrees', 'tree', 'index');
    const left = `${index}.orch-999999999-1`;
    writeFileSync(left, 'a copy whose orch was killed');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(tree, 'packages/a/src/index.js'), past, past);
    const before = readFileSync(index);
    writeFileSync(join(tree, 'packages/b/src/index.js'), 'changed\n');
    expect(names(list(tree))).toEqual(['b', 'd']);
    expect(readFileSync(index).equals(before)).toBe(true);
    expect(existsSync(left)).toBe(false);
    expect(readdirSync(join(dir, '.git', 'worktrees', 'tree')).filter((name) => name.startsWith('index.'))).toEqual([]);
  });

  it('a global input affects every project and command; config adds globs', () => {
    const dir = workspace({ '.claude/commands/review.md': '---\ndescription: Review\ninputs: [docs/**]\n---\nReview.\n', 'ci/env.sh': 'X=1\n' });
    writeTree(dir, { 'tsconfig.base.json': '{ "compilerOptions": {} }\n' });
    const listed = list(dir);
    expect(names(listed)).toEqual(['a', 'b', 'c', 'd', 'gen']);
    expect(reasonOf(listed, 'c')).toEqual(['global input: changed: tsconfig.base.json']);
    expect(reasonOf(listed, 'review')).toEqual(['global input: changed: tsconfig.base.json']);

    const configured = workspace({ 'ci/env.sh': 'X=1\n', 'orchestrator.config.json': JSON.stringify({ globalInputs: ['ci/**'] }) });
    writeTree(configured, { 'ci/env.sh': 'X=2\n' });
    expect(names(list(configured))).toEqual(['a', 'b', 'c', 'd', 'gen']);
  });
});

describe('orch affected: lockfiles', () => {
  const pnpmLock = (lodash: string) => `lockfileVersion: '9.0'
importers:
  .: {}
  packages/a:
    dependencies:
      lodash:
        specifier: ^4.17.0
        version: ${lodash}
  packages/c:
    dependencies:
      left-pad:
        specifier: ^1.0.0
        version: 1.3.0
packages:
  lodash@${lodash}:
    resolution: {integrity: sha512-x}
  left-pad@1.3.0:
    resolution: {integrity: sha512-y}
snapshots:
  lodash@${lodash}: {}
  left-pad@1.3.0: {}
`;

  it('a pnpm-lock.yaml change affects only the packages whose resolved dependencies changed', () => {
    const dir = workspace({ 'pnpm-lock.yaml': pnpmLock('4.17.20') });
    writeTree(dir, { 'pnpm-lock.yaml': pnpmLock('4.17.21') });
    commit(dir, 'bump lodash');
    const listed = list(dir);
    expect(names(listed)).toEqual(['a', 'b', 'd']);
    expect(reasonOf(listed, 'a')).toEqual(['lockfile: lodash 4.17.20 -> 4.17.21']);
  });

  it('follows transitive dependencies in the lockfile', () => {
    const lock = (debug: string) => `lockfileVersion: '9.0'
importers:
  packages/a:
    dependencies:
      express:
        specifier: ^4.0.0
        version: 4.18.0
  packages/c: {}
packages: {}
snapshots:
  express@4.18.0:
    dependencies:
      debug: ${debug}
  debug@${debug}: {}
`;
    const dir = workspace({ 'pnpm-lock.yaml': lock('2.6.8') });
    writeTree(dir, { 'pnpm-lock.yaml': lock('2.6.9') });
    expect(reasonOf(list(dir), 'a')).toEqual(['lockfile: debug 2.6.8 -> 2.6.9']);
    expect(names(list(dir))).toEqual(['a', 'b', 'd']);
  });

  it('an npm package-lock.json change: the same precision', () => {
    const lock = (version: string) =>
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'root', workspaces: ['packages/*'] },
          'packages/a': { name: 'a', dependencies: { lodash: '^4.17.0' } },
          'packages/c': { name: 'c', dependencies: { 'left-pad': '^1.0.0' } },
          'node_modules/a': { resolved: 'packages/a', link: true },
          'node_modules/lodash': { version },
          'node_modules/left-pad': { version: '1.3.0' },
        },
      });
    const dir = workspace({ 'package-lock.json': lock('4.17.20') });
    writeTree(dir, { 'package-lock.json': lock('4.17.21') });
    const listed = list(dir);
    expect(names(listed)).toEqual(['a', 'b', 'd']);
    expect(reasonOf(listed, 'a')).toEqual(['lockfile: lodash 4.17.20 -> 4.17.21']);
  });

  it('an unreadable lockfile affects everything, with a warning', () => {
    const dir = workspace({ 'pnpm-lock.yaml': pnpmLock('4.17.20') });
    writeTree(dir, { 'pnpm-lock.yaml': 'importers: [unclosed\n' });
    const result = runOrch(['affected', '--list'], dir);
    expect(result.stderr).toContain('warning: pnpm-lock.yaml changed but could not be read');
    expect(result.stdout).toContain('affected projects (5)');
    const yarn = workspace({ 'yarn.lock': '# yarn lockfile v1\n' });
    writeTree(yarn, { 'yarn.lock': '# yarn lockfile v1\n\nlodash@^4:\n  version "4.17.21"\n' });
    const unread = runOrch(['affected', '--list'], yarn);
    expect(unread.stderr).toContain('warning: yarn.lock changed; orch reads pnpm and npm lockfiles precisely');
    expect(unread.stdout).toContain('affected projects (5)');
  });

  it('root package.json: other fields affect nothing; dependency changes follow the lockfile, or reach everyone without one', () => {
    const dir = workspace();
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    writeTree(dir, { 'package.json': JSON.stringify({ ...manifest, description: 'new' }) });
    expect(names(list(dir))).toEqual([]);
    writeTree(dir, { 'package.json': JSON.stringify({ ...manifest, devDependencies: { typescript: '^5.9.0' } }) });
    const listed = list(dir);
    expect(names(listed)).toEqual(['a', 'b', 'c', 'd', 'gen']);
    expect(reasonOf(listed, 'c')).toEqual(['root package.json: typescript null -> "^5.9.0"']);
  });
});

describe('orch affected: markdown commands', () => {
  const commands = {
    '.claude/commands/_shared/rules.md': 'Be careful.\n',
    // `inputs: []`: these read only their definitions (without it, any file is an input: see below).
    '.claude/commands/review.md': '---\ndescription: Review the change\nagents: [reviewer]\ninputs: []\n---\nReview it. Follow @_shared/rules.md\n',
    '.claude/commands/ship.md': '---\ndescription: Ship it\ndependencies: [review]\ninputs: []\n---\nShip.\n',
    '.claude/commands/docs.md': '---\ndescription: Docs\ninputs: [docs/**]\n---\nWrite docs.\n',
    '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: Reviews\n---\nYou review.\n',
    'docs/guide.md': '# guide\n',
  };

  it('a change to a partial affects the commands that include it and their dependents', () => {
    const dir = workspace(commands);
    writeTree(dir, { '.claude/commands/_shared/rules.md': 'Be very careful.\n' });
    const listed = list(dir);
    expect(listed.commands.map((c) => c.name).sort()).toEqual(['review', 'ship']);
    expect(reasonOf(listed, 'review')).toEqual(['changed: .claude/commands/_shared/rules.md (included)']);
    expect(reasonOf(listed, 'ship')).toEqual(['depends on review']);
    expect(names(listed)).toEqual([]);
  });

  it('the command file, an agent it uses, or a declared input', () => {
    const dir = workspace(commands);
    writeTree(dir, { '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: Reviews\n---\nYou review carefully.\n', 'docs/guide.md': '# guide 2\n' });
    const listed = list(dir);
    expect(reasonOf(listed, 'review')).toEqual(['changed: .claude/agents/reviewer.md (agent reviewer)']);
    expect(reasonOf(listed, 'docs')).toEqual(['input changed: docs/guide.md']);
    const own = workspace(commands);
    writeTree(own, { '.claude/commands/ship.md': '---\ndescription: Ship it now\ndependencies: [review]\ninputs: []\n---\nShip.\n' });
    expect(list(own).commands.map((c) => c.name)).toEqual(['ship']);
  });

  it('a command that declares no inputs is affected by any file, as its hash takes every file (the hash and affected agree)', () => {
    const dir = workspace({ ...commands, '.claude/commands/audit.md': '---\ndescription: Audit the repository\nrun: cat docs/guide.md\n---\n' });
    expect(runOrch(['run', 'audit'], dir).code).toBe(0);
    writeTree(dir, { 'docs/guide.md': '# guide 3\n' });
    const listed = list(dir);
    expect(listed.commands.map((c) => c.name).sort()).toEqual(['audit', 'docs']);
    expect(reasonOf(listed, 'audit')).toEqual(['changed: docs/guide.md (declares no inputs, so any file may be one)']);
    // The run agrees: the change is not served from the cache.
    const again = runOrch(['run', 'audit'], dir);
    expect(again.stdout).toContain('# guide 3');
    expect(again.stdout + again.stderr).not.toMatch(/audit \(cached/);
  });
});

describe('orch affected: refs', () => {
  it('a base or head that begins with - is a ref that does not exist, never a git option (findings R2 #17)', () => {
    const dir = workspace();
    for (const [args, message] of [
      [['--base=--all'], "the base '--all' does not exist in this repository: no branch, tag or commit name begins with '-'"],
      [['--head=--output=/x'], "the head '--output=/x' does not exist in this repository"],
    ] as const) {
      const run = runOrch(['affected', '--list', ...args], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('common ancestor');
    }
    const fromEnv = runOrch(['affected', '--list'], dir, { ORCH_BASE: '--upload-pack=x' });
    expect(fromEnv.stderr).toContain("the base '--upload-pack=x' does not exist in this repository");
  });

  it('a base that does not exist is an error that says how to fetch it, with did-you-mean', () => {
    const dir = workspace();
    const missing = runOrch(['affected', '--list', '--base', 'mian'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the base 'mian' does not exist in this repository");
    expect(missing.stderr).toContain("did you mean 'main'?");
    const remote = runOrch(['affected', '--list', '--base', 'origin/develop'], dir);
    expect(remote.stderr).toContain('git fetch origin develop');
    expect(runOrch(['affected', '--list'], dir, { ORCH_BASE: 'nope' }).stderr).toContain("the base 'nope' does not exist");
  });

  it('a shallow clone without the base says to fetch the history', () => {
    const origin = workspace();
    writeTree(origin, { 'packages/a/src/index.js': 'module.exports = 5;\n' });
    commit(origin, 'feature work');
    const clone = join(mkdtempSync(join(tmpdir(), 'orch-shallow-')), 'clone');
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', 'feature', `file://${origin}`, clone]);
      const result = runOrch(['affected', '--list', '--base', 'origin/main'], clone);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("the base 'origin/main' does not exist in this repository (a shallow clone)");
      expect(result.stderr).toContain('git fetch --unshallow');
      // The ref fetched at depth 1: it exists, but the history joining it to HEAD does not.
      execFileSync('git', ['fetch', '-q', '--depth', '1', 'origin', 'main:refs/remotes/origin/main'], { cwd: clone });
      const unjoined = runOrch(['affected', '--list', '--base', 'origin/main'], clone);
      expect(unjoined.code).toBe(2);
      expect(unjoined.stderr).toContain('have no common ancestor in this shallow clone');
      // A revision that is not a branch name: the hint is a fetch git accepts (FINDINGS-11 #11).
      const back = runOrch(['affected', '--list', '--base', 'HEAD~1'], clone);
      expect(back.code).toBe(2);
      expect(back.stderr).toContain("the base 'HEAD~1' does not exist in this repository (a shallow clone): HEAD has 0 commits before it here");
      expect(back.stderr).toContain('hint: fetch 1 more commit of history: `git fetch --deepen=1` (or all of it: `git fetch --unshallow`');
      execFileSync('git', ['fetch', '-q', '--deepen=1'], { cwd: clone });
      expect(runOrch(['affected', '--list', '--base', 'HEAD~1'], clone).code).toBe(0);
    } finally {
      rmSync(join(clone, '..'), { recursive: true, force: true });
    }
  });

  it('works on a detached HEAD, and with --head', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/c/src/old.js': 'changed\n' });
    commit(dir, 'c');
    const first = git(dir, 'rev-parse', 'HEAD').trim();
    writeTree(dir, { 'packages/a/src/index.js': 'changed\n' });
    commit(dir, 'a');
    git(dir, 'checkout', '-q', '--detach', 'HEAD');
    expect(names(list(dir))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(list(dir, '--head', first))).toEqual(['c']);
    expect(names(list(dir, '--base', first))).toEqual(['a', 'b', 'd']);
  });
});

describe('orch affected -t: running', () => {
  const runs = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').sort() : []);

  it('runs the targets of affected projects only, dependencies first', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/b/src/index.js': 'module.exports = 20;\n' });
    const result = runOrch(['affected', '-t', 'build'], dir);
    expect(result.code, result.stderr).toBe(0);
    // b and its dependent d; a (b's dependency) runs through dependsOn ^build.
    expect(runs(dir)).toEqual(['a', 'b', 'd']);
    expect(result.stderr).toContain('2 affected tasks');
    expect(runOrch(['affected', '-t', 'build', '--list'], dir).stdout).toContain('tasks to run (2): b#build, d#build');
    const graph = runOrch(['affected', '-t', 'build', '--graph'], dir).stdout;
    expect(graph).toBe('b#build\nd#build  <- b#build\n');
    expect(list(dir).files.map((f) => f.path)).toEqual(['packages/b/src/index.js']);
  });

  it('an unknown target is an error with did-you-mean; nothing affected runs nothing', () => {
    const dir = workspace();
    writeTree(dir, { 'packages/b/src/index.js': 'x\n' });
    const unknown = runOrch(['affected', '-t', 'biuld'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'build'?");
    // The run options are checked as for orch run.
    expect(runOrch(['affected', '-t', 'build', '--cache=disk:rw'], dir).stderr).toContain("--cache disk:rw: expected <local|remote>:<rw|r|w|off>, comma-separated ('disk:rw' is not)");
    expect(runOrch(['affected', '-t', 'build', '--continue=sometimes'], dir).stderr).toContain('--continue sometimes: expected one of never, dependencies-successful or always');
    const nothing = runOrch(['affected', '-t', 'build'], workspace());
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toContain('no build task is affected, nothing to run');
  });
});

describe('--projects and --exclude', () => {
  it('filter affected projects by glob and tag, and the tasks of orch run too', () => {
    const dir = workspace();
    writeTree(dir, { 'tsconfig.base.json': '{ "x": 1 }\n' });
    expect(names(list(dir, '--projects', '[ab]'))).toEqual(['a', 'b']);
    expect(names(list(dir, '--exclude', 'tag:legacy', '--exclude', 'gen'))).toEqual(['a', 'b', 'd']);
    expect(names(list(dir, '--projects', 'packages/a/tools/*'))).toEqual(['gen']);
    const typo = runOrch(['affected', '--list', '--projects', 'dd'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("no project or command is named 'dd'");
    expect(runOrch(['affected', '--list', '--exclude', 'tag:legasy'], dir).stderr).toContain("did you mean 'legacy'?");

    const run = runOrch(['run', 'build', '--projects', 'c,d'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').sort()).toEqual(['a', 'b', 'c', 'd']);
    rmSync(join(dir, 'runs.log'));
    expect(runOrch(['run', 'build', '--exclude', 'tag:legacy', '--projects', 'c'], dir).stderr).toContain("--projects/--exclude leaves none of the 5 tasks named\n  hint: --projects/--exclude leave out every task");
  });
});
