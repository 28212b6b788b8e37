import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';

// Where orch looks for its config and its root (findings R2 #7): code found there runs, so the
// search must never reach a file another user could have planted above the working directory.

/** A config module that leaves a mark when it runs. */
const planted = (mark: string) => `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(mark)}, 'ran');\nexport default {};\n`;

/** A temp folder with no git repository anywhere above or in it. */
function scratch(): string {
  return tempRepo({}, { git: false });
}

describe('outside a git repository', () => {
  it('a config in a parent folder with no workspace root marker is not run (only the working directory is searched)', () => {
    const dir = scratch();
    const mark = join(dir, 'ran.txt');
    writeTree(dir, { 'orchestrator.config.mjs': planted(mark) });
    mkdirSync(join(dir, 'nogit', 'deep'), { recursive: true });
    const list = runOrch(['list'], join(dir, 'nogit', 'deep'));
    expect(existsSync(mark)).toBe(false);
    // Nothing there makes it a workspace: orch says so rather than list an empty one.
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('not inside a repository or workspace');
  });

  it('a config, a .git or a .claude folder in a folder anyone may write (as /tmp) is never reached from below it', () => {
    const shared = scratch();
    chmodSync(shared, 0o1777);
    const mark = join(shared, 'ran.txt');
    writeTree(shared, {
      'orchestrator.config.mjs': planted(mark),
      'pnpm-workspace.yaml': 'packages:\n  - "*"\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.claude/commands/planted.md': '---\ndescription: planted\n---\nplanted\n',
    });
    mkdirSync(join(shared, 'mine', 'deep'), { recursive: true });
    const list = runOrch(['list'], join(shared, 'mine', 'deep'));
    expect(existsSync(mark)).toBe(false);
    expect(list.stdout).not.toContain('planted');
  });

  it('the config at the nearest workspace root (pnpm-workspace.yaml) is still found from a package folder', () => {
    const dir = scratch();
    writeTree(dir, {
      'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
      'package.json': '{ "name": "root", "private": true }\n',
      'orchestrator.config.json': '{ "commands": { "hello": { "description": "from the root config", "run": "echo hi" } } }\n',
      'packages/app/package.json': '{ "name": "app" }\n',
    });
    const list = runOrch(['list'], join(dir, 'packages', 'app'));
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('from the root config');
  });
});

describe('a world-writable checkout of your own', () => {
  it('is still climbed into from a subfolder (only shared or foreign writable folders are not)', () => {
    const dir = scratch();
    const repo = join(dir, 'repo');
    writeTree(repo, { 'orchestrator.config.json': '{ "commands": { "hello": { "description": "from the repo root", "run": "echo hi" } } }\n' });
    mkdirSync(join(repo, 'sub'));
    runGitInit(repo);
    chmodSync(repo, 0o777);
    const list = runOrch(['list'], join(repo, 'sub'));
    expect(list.stdout).toContain('from the repo root');
  });
});

describe('inside a git repository', () => {
  it('a config above the repository root is not run', () => {
    const dir = scratch();
    const mark = join(dir, 'ran.txt');
    writeTree(dir, { 'orchestrator.config.mjs': planted(mark) });
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    runGitInit(repo);
    expect(runOrch(['list'], join(repo, 'sub')).code).toBe(0);
    expect(existsSync(mark)).toBe(false);
  });
});

function runGitInit(dir: string): void {
  // A real repository, as `git init` makes it.
  execFileSync('git', ['init', '-q'], { cwd: dir });
}
