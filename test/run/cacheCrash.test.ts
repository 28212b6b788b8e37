import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalCache } from '../../packages/plugins/src/cache/LocalCache.js';
import { startRemoteCache } from '../helpers/remoteCacheServer.js';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

/**
 * Independent packages whose builds write `size` bytes of outputs in four files, record their
 * pid (so a test can wait for them after killing orch) and fail while `FAIL` is in the package.
 */
function workspace(packages: number, size = 1000): string {
  const build = `const fs = require('fs'), path = require('path');
const root = path.join(__dirname);
fs.appendFileSync(path.join(root, 'pids.log'), process.pid + '\\n');
fs.appendFileSync(path.join(root, 'runs.log'), path.basename(process.cwd()) + '\\n');
if (fs.existsSync('FAIL')) process.exit(1);
fs.mkdirSync('dist', { recursive: true });
for (let i = 0; i < 4; i++) fs.writeFileSync('dist/part' + i + '.js', path.basename(process.cwd()).repeat(${size / 4}));
console.log('built ' + path.basename(process.cwd()));
`;
  const files: Record<string, string> = {
    '.gitignore': 'dist/\n.orch/\nruns.log\npids.log\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'build.cjs': build,
    'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'] } } }),
  };
  for (let i = 0; i < packages; i++) {
    files[`p/p${i}/package.json`] = JSON.stringify({ name: `p${i}`, scripts: { build: 'node ../../build.cjs' } });
    files[`p/p${i}/src/index.js`] = `module.exports = ${i};\n`;
  }
  return commitAll(tempRepo(files));
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const runs = (dir: string) => lines(join(dir, 'runs.log'));

/** Each task's hash and what the cache holds for it, as `--dry-run --json` predicts. */
function plan(dir: string, env: Record<string, string> = {}): { id: string; hash: string; cache: string }[] {
  return JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], dir, env).stdout).tasks;
}

const entryDir = (dir: string, hash: string) => join(dir, '.orch/cache', hash.slice(0, 2), hash);

/** A run in which package `failing` fails and the others complete; then the failure is fixed and runs.log cleared, for `orch resume`. */
function runFailing(dir: string, failing: string, env: Record<string, string> = {}): void {
  writeFileSync(join(dir, `p/${failing}/FAIL`), '');
  expect(runOrch(['run', 'build'], dir, env).code).toBe(1);
  rmSync(join(dir, `p/${failing}/FAIL`));
  rmSync(join(dir, 'runs.log'));
}

/** What a kill -9 between the session's record of a task's success and its cache commit leaves: no entry. */
function loseEntry(dir: string, id: string, env: Record<string, string> = {}): void {
  rmSync(entryDir(dir, plan(dir, env).find((task) => task.id === id)!.hash), { recursive: true });
}

/** Successful task ends the session log of a run has recorded so far. */
function succeededInLog(dir: string): number {
  const sessions = join(dir, '.orch/sessions');
  if (!existsSync(sessions)) return 0;
  return readdirSync(sessions)
    .map((id) => join(sessions, id, 'events.jsonl'))
    .filter(existsSync)
    .reduce((count, log) => count + (readFileSync(log, 'utf8').match(/"type":"task-finished".*?"status":"succeeded"/g)?.length ?? 0), 0);
}

describe('a task completed in a session keeps its cache entry on resume', () => {
  it('resume stores the entry of a task the session recorded as completed from its outputs, without running it again', () => {
    const dir = workspace(2);
    runFailing(dir, 'p1');
    loseEntry(dir, 'p0#build');
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('orch: p0#build completed before, but orch stopped before storing its cache entry; stored it from its outputs');
    expect(runs(dir)).toEqual(['p1']);
    expect(plan(dir).map((task) => task.cache)).toEqual(['hit', 'hit']);
    // The stored entry restores the outputs the task made, and replays the log it wrote in the session.
    rmSync(join(dir, 'p/p0/dist'), { recursive: true });
    const replay = runOrch(['run', 'p0#build'], dir);
    expect(replay.stderr).toMatch(/✔ p0#build \(cached local, /);
    expect(replay.stdout + replay.stderr).toContain('built p0');
    expect(readFileSync(join(dir, 'p/p0/dist/part0.js'), 'utf8')).toBe('p0'.repeat(250));
  });

  it('resume never stores an entry from outputs that are gone: the task runs again, saying why, and what reaches the remote cache restores them', async () => {
    const server = await startRemoteCache();
    const dir = workspace(2);
    writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify({ targets: { build: { outputs: ['dist/**'] } }, cache: { remote: { url: server.url, team: 'ci', signatureKeyEnv: 'OKEY' } } }));
    // The first run's uploads are refused (a wrong token), as if orch had been killed before them.
    runFailing(dir, 'p1', { OKEY: 'key', ORCH_REMOTE_CACHE_TOKEN: 'wrong' });
    const env = { OKEY: 'key', ORCH_REMOTE_CACHE_TOKEN: server.token };
    loseEntry(dir, 'p0#build', env);
    // Then `git clean`.
    rmSync(join(dir, 'p/p0/dist'), { recursive: true });
    const resumed = runOrch(['resume'], dir, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("orch: p0#build completed before, but orch stopped before storing its cache entry and its outputs changed since (output 'dist/**' matches no file); running it again");
    expect(resumed.stderr).not.toContain('stored it from its outputs');
    expect(runs(dir).sort()).toEqual(['p0', 'p1']);
    // A fresh machine gets from the remote cache the outputs p0#build made.
    rmSync(join(dir, '.orch'), { recursive: true });
    rmSync(join(dir, 'p/p0/dist'), { recursive: true });
    const fresh = runOrch(['run', 'p0#build'], dir, env);
    expect(fresh.stderr).toMatch(/✔ p0#build \(cached remote, /);
    expect(readFileSync(join(dir, 'p/p0/dist/part0.js'), 'utf8')).toBe('p0'.repeat(250));
  });

  it('resume runs again a task whose entry is missing and whose outputs were edited after it finished', () => {
    const dir = workspace(2);
    runFailing(dir, 'p1');
    loseEntry(dir, 'p0#build');
    writeFileSync(join(dir, 'p/p0/dist/part0.js'), 'tampered');
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('orch: p0#build completed before, but orch stopped before storing its cache entry and its outputs changed since (dist/part0.js was changed after the task finished); running it again');
    expect(runs(dir).sort()).toEqual(['p0', 'p1']);
    expect(readFileSync(join(dir, 'p/p0/dist/part0.js'), 'utf8')).toBe('p0'.repeat(250));
    expect(plan(dir).map((task) => task.cache)).toEqual(['hit', 'hit']);
  });

  it('resume restores from their entries the outputs of completed tasks deleted or edited since, without running them', () => {
    const dir = workspace(3);
    runFailing(dir, 'p2');
    rmSync(join(dir, 'p/p0/dist'), { recursive: true });
    writeFileSync(join(dir, 'p/p1/dist/part1.js'), 'tampered');
    writeFileSync(join(dir, 'p/p1/dist/planted.js'), 'planted');
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('orch: p0#build completed before, but its outputs changed since (dist/part0.js is missing); restoring them from its cache entry');
    expect(resumed.stderr).toContain('orch: p1#build completed before, but its outputs changed since (dist/part1.js was changed); restoring them from its cache entry');
    expect(resumed.stderr).toMatch(/✔ p0#build \(cached local, /);
    expect(resumed.stderr).toMatch(/✔ p1#build \(cached local, /);
    expect(runs(dir)).toEqual(['p2']);
    for (const name of ['p0', 'p1']) for (let i = 0; i < 4; i++) expect(readFileSync(join(dir, `p/${name}/dist/part${i}.js`), 'utf8')).toBe(name.repeat(250));
    expect(existsSync(join(dir, 'p/p1/dist/planted.js'))).toBe(false);
  });

  it('kill -9 at any moment, then resume: every task ends with its cache entry', { timeout: 240_000 }, async () => {
    const dir = workspace(6, 4_000_000);
    for (let trial = 0; trial < 6; trial++) {
      for (const leftover of ['.orch', 'runs.log', 'pids.log']) rmSync(join(dir, leftover), { recursive: true, force: true });
      for (let i = 0; i < 6; i++) rmSync(join(dir, `p/p${i}/dist`), { recursive: true, force: true });
      const orch = startOrch(['run', 'build', '--concurrency', '2'], dir);
      // Killed right after the session records the (trial % 5 + 1)th success: while its entry is being stored.
      await waitFor(() => succeededInLog(dir) > trial % 5 || orch.child.exitCode !== null, 60_000, 'a task to complete');
      orch.child.kill('SIGKILL');
      if ((await orch.exited).code !== 0) {
        // The killed run's builds go on without it; wait for them to end.
        await waitFor(() => lines(join(dir, 'pids.log')).every((pid) => !alive(Number(pid))), 60_000, 'orphaned builds to end');
        const resumed = runOrch(['resume'], dir);
        expect(resumed.code, resumed.stderr).toBe(0);
      }
      expect(plan(dir).filter((task) => task.cache !== 'hit').map((task) => task.id)).toEqual([]);
    }
  });
});

describe('a crash in the cache never makes a hash uncacheable', () => {
  it('a folder without meta.json (a kill during orch cache clean) is replaced by the next store', () => {
    const dir = workspace(1);
    runOrch(['run', 'build'], dir);
    const [task] = plan(dir);
    rmSync(join(entryDir(dir, task!.hash), 'meta.json'));
    rmSync(join(dir, 'runs.log'));
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    expect(existsSync(join(entryDir(dir, task!.hash), 'meta.json'))).toBe(true);
    expect(runOrch(['run', 'build'], dir).stderr).toMatch(/✔ p0#build \(cached local, /);
    expect(runs(dir)).toEqual(['p0']);
  });

  it('orch cache clean killed at any moment leaves each entry whole or gone, and the next run removes its trash', { timeout: 120_000 }, async () => {
    const dir = workspace(1);
    const cache = new LocalCache(join(dir, '.orch/cache'));
    mkdirSync(join(dir, 'out'), { recursive: true });
    for (let i = 0; i < 60; i++) writeFileSync(join(dir, 'out', `f${i}.txt`), `file ${i}\n`);
    const hashes = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(64, 'a'));
    for (const hash of hashes) await cache.put({ hash, taskId: hash, folder: dir, root: dir, outputs: ['out/**'], exitCode: 0, durationMs: 1 });
    const clean = startOrch(['cache', 'clean'], dir);
    await waitFor(() => hashes.some((hash) => !existsSync(entryDir(dir, hash))) || clean.child.exitCode !== null, 60_000, 'clean to start removing');
    clean.child.kill('SIGKILL');
    await clean.exited;
    for (const hash of hashes.filter((h) => existsSync(entryDir(dir, h)))) expect(existsSync(join(entryDir(dir, hash), 'meta.json')), hash).toBe(true);
    runOrch(['run', 'build'], dir);
    expect(readdirSync(join(dir, '.orch/cache/tmp')).filter((name) => name.startsWith(`pid${clean.child.pid}-`))).toEqual([]);
  });

  it('staging folders of dead processes are removed when the next run starts; a live process keeps its own', () => {
    const dir = workspace(1);
    const tmp = join(dir, '.orch/cache/tmp');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(tmp, `pid${dead}-a/files`), { recursive: true });
    writeFileSync(join(tmp, `pid${dead}-a/files/half.js`), 'half');
    mkdirSync(join(tmp, `pid${process.pid}-b/files`), { recursive: true });
    // An eviction ran a minute ago: the next is an hour away.
    writeFileSync(join(dir, '.orch/cache/.last-eviction'), new Date().toISOString());
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    expect(readdirSync(tmp).sort()).toEqual([`pid${process.pid}-b`]);
  });
});
