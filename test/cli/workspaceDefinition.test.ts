import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// FINDINGS-11 #9: a broken or empty pnpm-workspace.yaml made every project disappear without a
// word. orch reads it as pnpm does and says, at the line, what is wrong and which definition it used.

/** A workspace whose package.json also declares workspaces (which pnpm, and orch, do not read beside pnpm-workspace.yaml). */
const repo = (pnpmWorkspace: string) =>
  tempRepo({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
    'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'echo built a' } }),
    'pnpm-workspace.yaml': pnpmWorkspace,
  });
const NOT_READ = 'package.json#workspaces (packages/*) is not read while pnpm-workspace.yaml exists, as pnpm reads only pnpm-workspace.yaml';

describe('pnpm-workspace.yaml', () => {
  it.each([
    ['x=1\n', "pnpm-workspace.yaml:1:1: error: pnpm-workspace.yaml must be a mapping with a `packages` list; found the text 'x=1'; pnpm refuses it too, and orch reads no workspace package [workspace/invalid-pnpm-workspace]"],
    ['packages: {}\n', 'pnpm-workspace.yaml:1:11: error: `packages` must be a list of globs; found a mapping; pnpm refuses it too, and orch reads no workspace package [workspace/invalid-pnpm-workspace]'],
    ['packages:\n  - 3\n', 'pnpm-workspace.yaml:2:5: error: each entry of `packages` must be a folder glob; entry 1 is the number 3; pnpm refuses it too, and orch reads no workspace package [workspace/invalid-pnpm-workspace]'],
    ['packages: [\n', 'pnpm-workspace.yaml:2:1: error: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]; pnpm refuses it too, and orch reads no workspace package [workspace/invalid-pnpm-workspace]'],
  ])('%j is a located error that names the definition and what pnpm makes of it', (text, diagnostic) => {
    const dir = repo(text);
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(diagnostic);
    expect(validate.stderr).toContain(NOT_READ);
    const run = runOrch(['run', 'build'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`orch: unknown command 'build'\n  hint: no workspace package was found, so no package has a 'build' script: ${diagnostic.replace(/ \[[\w/-]+\]$/, '').replace(': error: ', ': ')}`);
  });

  it('a glob that matches no package is a warning at its line, and run says why there is no build', () => {
    const dir = repo('packages:\n  - "pkgs/*"\n');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain("pnpm-workspace.yaml:2:5: warning: pnpm-workspace.yaml lists 'pkgs/*', which matches no folder with a package.json: no workspace package was found [workspace/glob-matches-nothing]");
    expect(validate.stderr).toContain(NOT_READ);
    expect(runOrch(['run', 'build'], dir).stderr).toContain("hint: no workspace package was found, so no package has a 'build' script: pnpm-workspace.yaml:2:5: pnpm-workspace.yaml lists 'pkgs/*'");
  });

  it.each([[''], ['packages:\n'], ['onlyBuiltDependencies: [esbuild]\n']])('%j without packages takes every package.json, as pnpm does, and says so', (text) => {
    const dir = repo(text);
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain('as pnpm does, orch takes every package.json in the repository (outside node_modules) as a workspace package [workspace/no-packages-field]');
    expect(runOrch(['list', '--json'], dir).stdout).toContain('"a#build"');
    const run = runOrch(['run', 'a#build'], dir);
    expect(run.code, run.stderr).toBe(0);
  });

  it("without a workspace definition or package.json, run says where orch looked", () => {
    const dir = tempRepo({ 'README.md': '# nothing\n' });
    const run = runOrch(['run', 'build'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("hint: no workspace package was found, so no package has a 'build' script: orch looked in");
    expect(run.stderr).toContain("for the config's `workspaces`, pnpm-workspace.yaml, package.json#workspaces and a package.json");
  });
});

// Findings R2 #5: a workspace glob that leaves the repository read (and ran) packages orch cannot hash.
describe('a workspace glob that leaves the repository', () => {
  /** A repository in `parent/repo` beside a package `parent/sib` with a build script that leaves a mark. */
  function besideSibling(definition: Record<string, string>) {
    const parent = tempRepo({ 'sib/package.json': JSON.stringify({ name: 'sib', scripts: { build: 'echo ran > ran.txt' } }) }, { git: false });
    const dir = `${parent}/repo`;
    writeTree(dir, { 'package.json': JSON.stringify({ name: 'root', private: true }), 'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'echo built a' } }), ...definition });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    return { parent, dir };
  }

  it.each([
    ['pnpm-workspace.yaml', { 'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n  - "../sib"\n' }, "pnpm-workspace.yaml:3:5: error: pnpm-workspace.yaml lists '../sib', which leaves the workspace root: orch reads no package from it [workspace/glob-outside]"],
    ['pnpm-workspace.yaml', { 'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n  - "../*"\n' }, "pnpm-workspace.yaml:3:5: error: pnpm-workspace.yaml lists '../*', which leaves the workspace root"],
    ['pnpm-workspace.yaml', { 'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n  - "packages/../../*"\n' }, "pnpm-workspace.yaml:3:5: error: pnpm-workspace.yaml lists 'packages/../../*', which leaves the workspace root"],
    ['package.json#workspaces', { 'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*', '../sib'] }) }, "package.json:1:58: error: package.json#workspaces lists '../sib', which leaves the workspace root"],
  ])('in %s is a located error and no package outside is read or run', (_where, definition, diagnostic) => {
    const { parent, dir } = besideSibling(definition);
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(diagnostic);
    expect(runOrch(['list'], dir).stdout).not.toContain('sib#build');
    const run = runOrch(['run', 'build'], dir);
    expect(run.code).toBe(2);
    expect(existsSync(`${parent}/sib/ran.txt`)).toBe(false);
  });

  it('an absolute path is a located error', () => {
    const { parent, dir } = besideSibling({});
    writeTree(dir, { 'pnpm-workspace.yaml': `packages:\n  - "${parent}/sib"\n` });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`pnpm-workspace.yaml:2:5: error: pnpm-workspace.yaml lists '${parent}/sib', which is an absolute path: orch reads no package from it`);
  });
});
