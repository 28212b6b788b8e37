import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// Session 23's tester: with an absolute `stateDir`, sessions, logs, records, metrics, claims,
// durations.json and workspace-cache.json went to `./<that path>` inside the work tree (joined
// under the root); only the cache, the cookies and daemon.log went where the config said. `git
// status` showed them and `orch affected` counted them as changes outside every project.

const WORKSPACE = {
  'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
  'packages/p/package.json': JSON.stringify({ name: 'p', scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist\',{recursive:true});require(\'fs\').writeFileSync(\'dist/out.txt\',\'built\');console.log(\'built\')"' } }),
  'packages/p/src/index.js': 'export {};\n',
  '.gitignore': 'packages/p/dist/\n',
};

const gitStatus = (dir: string) => execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--ignored'], { cwd: dir, encoding: 'utf8' });

describe('a stateDir outside the repository', () => {
  it.each([
    ['absolute', (state: string) => state],
    ['relative to the root (../)', (state: string, root: string) => relative(root, state)],
  ])('(%s) holds every piece of orch state, and nothing is written in the work tree', (_, written) => {
    const state = realpathSync(mkdtempSync(join(tmpdir(), 'orch-state-')));
    const dir = tempRepo(WORKSPACE);
    writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify({ stateDir: written(state, realpathSync(dir)), targets: { build: { outputs: ['dist/**'] } } }));
    commitAll(dir);
    const before = gitStatus(dir);

    const cold = runOrch(['run', 'p#build'], dir);
    expect(cold.code, cold.stderr).toBe(0);
    const hit = runOrch(['run', 'p#build'], dir);
    expect(hit.code).toBe(0);
    expect(hit.stderr).toContain('(cached local');
    for (const args of [['sessions'], ['status'], ['logs', 'p#build'], ['report'], ['metrics'], ['cache', 'stats'], ['affected', '--list', '--base', 'HEAD']]) {
      const read = runOrch(args, dir);
      expect(read.code, `orch ${args.join(' ')}: ${read.stderr}`).toBe(0);
    }

    // Only the task's own output is new in the work tree (and it is git-ignored).
    expect(gitStatus(dir)).toBe(`${before}!! packages/p/dist/out.txt\n`);
    expect(readdirSync(dir).sort()).toEqual(['.git', '.gitignore', 'orchestrator.config.json', 'package.json', 'packages']);
    const kept = readdirSync(state);
    for (const piece of ['sessions', 'logs', 'records', 'metrics', 'cache', 'durations.json', 'workspace-cache.json']) expect(kept, piece).toContain(piece);
  });
});

describe('a stateDir inside the repository, however written', () => {
  it.each([['./state/'], ['state'], ['<root>/state']])('%s is excluded from the hash, so a second run is a hit', (written) => {
    const dir = tempRepo();
    const config = { stateDir: written.replace('<root>', realpathSync(dir)), commands: { a: { description: 'a', run: 'echo ran-a', cache: true } } };
    writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify(config));
    commitAll(dir);
    expect(runOrch(['run', 'a'], dir).code).toBe(0);
    expect(existsSync(join(dir, 'state', 'sessions'))).toBe(true);
    const again = runOrch(['run', 'a'], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('✔ a (cached local');
  });
});
