import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';
import { alive, ORCH_BIN, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';

const PTY_CAPTURE = fileURLToPath(new URL('../helpers/ptyCapture.py', import.meta.url));

const BUILD = `const fs = require('fs'), path = require('path');
const name = require(path.join(process.cwd(), 'package.json')).name;
fs.appendFileSync(path.join(__dirname, 'runs.log'), name + '\\n');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.js', fs.readFileSync('src/index.js', 'utf8') + '// built ' + name + (process.env.BUILD_MODE ?? '') + '\\n');
console.log('built ' + name);
`;

/** A committed two-package workspace (app depends on lib) with an ES module config that imports a file of its own. */
function workspace(): string {
  return commitAll(
    tempRepo({
      '.gitignore': 'dist/\n.orch/\nruns.log\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
      'p/lib/src/index.js': 'module.exports = 1;\n',
      'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'node ../../build.cjs' } }),
      'p/app/src/index.js': 'module.exports = 2;\n',
      'build.cjs': BUILD,
      'targets.mjs': "export const targets = { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['BUILD_MODE'] } };\n",
      'orchestrator.config.mjs': "import { targets } from './targets.mjs';\nexport default { targets };\n",
    }),
  );
}

const sockets: string[] = [];
const served: string[] = [];
afterEach(() => {
  for (const dir of served.splice(0)) runOrch(['daemon', 'stop'], dir, env(dir));
  for (const folder of sockets.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const tmpFor = new Map<string, string>();
/** The daemon on, and a temporary folder of the test's own for its socket (`$TMPDIR/orch-daemon-<uid>`). */
function env(dir: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  let tmp = tmpFor.get(dir);
  if (!tmp) {
    tmp = mkdtempSync(join(tmpdir(), 'orch-dt-'));
    tmpFor.set(dir, tmp);
    sockets.push(tmp);
  }
  return { ORCH_DAEMON: '1', TMPDIR: tmp, ...extra };
}

interface Status {
  pid: number;
  served: number;
  declined: number;
  running?: false;
  workTree: { watched: boolean; readsKept: number; readsUpdated: number };
}
const status = (dir: string): Status => JSON.parse(runOrch(['daemon', 'status', '--json'], dir, env(dir)).stdout) as Status;

/** Runs orch once so that it starts the daemon, and waits until the daemon answers. */
async function withDaemon(dir: string): Promise<Status> {
  served.push(dir);
  const first = runOrch(['run', 'build'], dir, env(dir));
  expect(first.code, first.stderr).toBe(0);
  await waitFor(() => status(dir).pid !== undefined, 15_000, 'the daemon to start');
  return status(dir);
}

const runs = (dir: string): string[] => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
/** Output with what differs from run to run taken out: durations, session ids, and the progress bar's length (it leaves room for the time). */
const steady = (text: string): string =>
  text
    .replace(/\d+(\.\d+)?m?s\b/g, '<t>')
    .replace(/\d{8}-\d{6}-[0-9a-f]{4}/g, '<session>')
    .replace(/[█░]+(\u001b\[[0-9;]*m)*[█░]*/g, '<bar>');

describe('the daemon (docs/daemon.md)', () => {
  it('starts on demand and serves a full cache hit with the output of a run without it', async () => {
    const dir = workspace();
    const before = await withDaemon(dir);
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
    const hit = runOrch(['run', 'build'], dir, env(dir));
    expect(hit.code).toBe(0);
    expect(status(dir).served).toBe(before.served + 1);
    const alone = runOrch(['run', 'build', '--no-daemon'], dir, env(dir));
    expect(status(dir).served).toBe(before.served + 1);
    expect(steady(hit.stdout)).toBe(steady(alone.stdout));
    expect(steady(hit.stderr)).toBe(steady(alone.stderr));
    expect(hit.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
    // Nothing changed between two served runs: the second asks git nothing.
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(status(dir).workTree.watched).toBe(true);
    expect(status(dir).workTree.readsKept).toBeGreaterThanOrEqual(1);
    // The session is recorded as by any run: `orch logs` finds the replayed log.
    expect(runOrch(['logs', 'app#build', '--last'], dir, env(dir)).stdout).toContain('built app');
  });

  it('does what the result does not depend on after the client has its exit code: the snapshot, metrics, old sessions pruned', async () => {
    const dir = workspace();
    writeTree(dir, { 'orchestrator.config.mjs': "import { targets } from './targets.mjs';\nexport default { targets, sessions: { keep: 2 } };\n" });
    const before = await withDaemon(dir);
    let last = '';
    for (let i = 0; i < 3; i++) {
      const hit = runOrch(['run', 'build'], dir, env(dir));
      expect(hit.code).toBe(0);
      last = /Session: (\S+)/.exec(hit.stderr)![1]!;
    }
    expect(status(dir).served).toBe(before.served + 3);
    const sessions = () => readdirSync(join(dir, '.orch/sessions'));
    const metricLines = () => readdirSync(join(dir, '.orch/metrics')).flatMap((file) => readFileSync(join(dir, '.orch/metrics', file), 'utf8').trim().split('\n'));
    // Done before the daemon takes another invocation: moments after the client exits.
    await waitFor(() => sessions().length === 2 && sessions().every((id) => existsSync(join(dir, '.orch/sessions', id, 'snapshot.json'))) && metricLines().length === 8, 10_000, () => `2 sessions with snapshots and 8 metrics lines: ${sessions().join(' ')}, ${metricLines().length} lines`);
    expect(metricLines().filter((line) => JSON.parse(line).cached === 'local')).toHaveLength(6);
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toMatch(/orch run build: exit 0 after \d+ ms \(replied \d+ ms in, \d+ ms of CPU\)/);
    // The session of the last served run reads as any: from its snapshot.
    expect(sessions()).toContain(last);
    expect(runOrch(['sessions', 'show', last], dir, env(dir)).stdout).toMatch(/app#build/);
  });

  // Session 23's tester: alone, a failure of background work was an internal error (exit 70, a
  // stack) that hid a shutdown tap's own error; served, it was in the daemon's log only.
  it('takes a failure of background work as a warning naming the plugin, alone and served; a shutdown tap\'s error stays the run\'s', async () => {
    const dir = workspace();
    const plugin = "{ name: 'flaky-history', apply(engine) { engine.hooks.shutdown.tap('flaky-history', () => { engine.background('flaky-history', () => { throw new Error('history disk is full'); }); if (process.env.TAP_FAILS) throw new Error('could not release the lease'); }); } }";
    writeTree(dir, { 'orchestrator.config.mjs': `import { targets } from './targets.mjs';\nexport default { targets, plugins: [${plugin}] };\n` });
    commitAll(dir);
    const warning = "warning: plugin 'flaky-history' failed in hook 'background': history disk is full";
    const tapError = "orch: plugin 'flaky-history' failed in hook 'shutdown': could not release the lease";

    const alone = runOrch(['run', 'build', '--no-daemon'], dir, env(dir));
    expect([alone.code, alone.stderr.includes(warning)], alone.stderr).toEqual([0, true]);
    const aloneTap = runOrch(['run', 'build', '--no-daemon'], dir, env(dir, { TAP_FAILS: '1' }));
    expect(aloneTap.code, aloneTap.stderr).toBe(1);
    expect(aloneTap.stderr).toContain(warning);
    expect(aloneTap.stderr).toContain(tapError);
    expect(aloneTap.stderr).not.toMatch(/internal error|^\s+at /m);

    const before = await withDaemon(dir);
    const hit = runOrch(['run', 'build'], dir, env(dir, { TAP_FAILS: '1' }));
    expect(hit.code, hit.stderr).toBe(1);
    expect(hit.stderr).toContain(tapError);
    // Its client had its exit code before the work was done: the next client is told, once.
    const next = runOrch(['list'], dir, env(dir));
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`${warning} (after \`orch run build\`, served by the daemon at `);
    expect(status(dir).served).toBe(before.served + 2);
    expect(runOrch(['list'], dir, env(dir)).stderr).not.toContain(warning);
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain(`after orch run build: plugin 'flaky-history' failed in hook 'background': history disk is full`);
  });

  it('leaves a corrupt cache entry to the run that meets it, which says it discarded it, as orch alone does', async () => {
    const dir = workspace();
    await withDaemon(dir);
    const cache = join(dir, '.orch', 'cache');
    for (const prefix of readdirSync(cache).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      for (const entry of readdirSync(join(cache, prefix))) truncateSync(join(cache, prefix, entry, 'meta.json'), 20);
    }
    const run = runOrch(['run', 'build'], dir, env(dir));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: lib#build: discarded a corrupt cache entry \([0-9a-f/]+\/meta\.json is not valid JSON\)/);
    expect(runs(dir).sort()).toEqual(['app', 'app', 'lib', 'lib']);
  });

  it('leaves a run whose outputs must be restored to the client (a refused restore would run the task in the daemon)', async () => {
    const dir = workspace();
    await withDaemon(dir);
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    const before = status(dir);
    // Outputs gone: a restore, which the client does (it could be refused, and the task would then run).
    rmSync(join(dir, 'p/app/dist'), { recursive: true });
    const restored = runOrch(['run', 'build'], dir, env(dir));
    expect(restored.code).toBe(0);
    expect(readFileSync(join(dir, 'p/app/dist/index.js'), 'utf8')).toContain('built app');
    expect(status(dir)).toMatchObject({ served: before.served, declined: before.declined + 1 });
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('app#build: its outputs are not in place (a restore)');
  });

  it('warms up on the invocation that started it, which it never admits: nothing runs, is restored or recorded', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'orchestrator.config.mjs'), "import { appendFileSync } from 'node:fs';\nimport { targets } from './targets.mjs';\nappendFileSync(new URL('./loads.log', import.meta.url), 'load\\n');\nexport default { targets };\n");
    writeFileSync(join(dir, '.gitignore'), 'dist/\n.orch/\nruns.log\nloads.log\n');
    commitAll(dir);
    expect(runOrch(['run', 'build', '--no-daemon'], dir, env(dir)).code).toBe(0);
    // Its outputs gone: a run would restore them from the cache; the warm-up only checks that every task is a hit.
    rmSync(join(dir, 'p/app/dist'), { recursive: true });
    const sessions = () => readdirSync(join(dir, '.orch/sessions')).length;
    const sessionsBefore = sessions();
    const log = () => readFileSync(join(dir, '.orch/daemon.log'), 'utf8');
    served.push(dir);
    const starter = runOrch(['list'], dir, env(dir));
    expect(starter.code).toBe(0);
    await waitFor(() => existsSync(join(dir, '.orch/daemon.log')) && /warmed up: orch list \d+ times/.test(log()), 15_000, 'the warm-up of orch list');
    // Rounds until V8 has optimised what an invocation runs once (up to 20, or 5 s).
    const rounds = Number(/warmed up: orch list (\d+) times/.exec(log())![1]);
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(20);
    // One load by the first run, one by the client, one per round: the config ran as for any invocation, its output dropped.
    expect(readFileSync(join(dir, 'loads.log'), 'utf8').trim().split('\n')).toHaveLength(2 + rounds);
    expect(status(dir).served).toBe(0);

    // Started by a run: the warm-up goes as far as the full-hit check, never further.
    runOrch(['daemon', 'stop'], dir, env(dir));
    expect(runOrch(['run', 'build', '--no-daemon'], dir, env(dir)).code).toBe(0);
    rmSync(join(dir, 'p/app/dist'), { recursive: true });
    const runsBefore = runs(dir).length;
    const restored = runOrch(['run', 'build'], dir, env(dir));
    expect(restored.stderr).toContain('(2 cached)');
    rmSync(join(dir, 'p/app/dist'), { recursive: true });
    await waitFor(() => log().includes('warmed up: orch run build'), 15_000, 'the warm-up of orch run build');
    expect(existsSync(join(dir, 'p/app/dist'))).toBe(false);
    expect(runs(dir)).toHaveLength(runsBefore);
    expect(sessions()).toBe(sessionsBefore + 2);
    // A restore is left to the client (it could be refused: the task would then run in the daemon).
    const restoring = runOrch(['run', 'build'], dir, env(dir));
    expect(restoring.stderr).toContain('(2 cached)');
    expect(existsSync(join(dir, 'p/app/dist/index.js'))).toBe(true);
    expect(status(dir)).toMatchObject({ served: 0, declined: 1 });
    // With the outputs in place, the next is served (never declined as busy).
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    expect(status(dir)).toMatchObject({ served: 1, declined: 1 });
  });

  // Found by a fresh tester (session 26): the warm-up's rounds took the change for their own, and
  // the next invocation no longer looked first where it was.
  it('an edit made during the warm-up is still looked at first by the next invocation', async () => {
    const dir = workspace();
    // A config that takes 150 ms to load: 20 rounds last seconds.
    writeFileSync(join(dir, 'orchestrator.config.mjs'), "import { targets } from './targets.mjs';\nconst until = Date.now() + 150;\nwhile (Date.now() < until) {}\nexport default { targets };\n");
    commitAll(dir);
    expect(runOrch(['run', 'build', '--no-daemon'], dir, env(dir)).code).toBe(0);
    await withDaemon(dir);
    writeFileSync(join(dir, 'p/app/src/extra.js'), 'module.exports = 4;\n');
    const log = () => readFileSync(join(dir, '.orch/daemon.log'), 'utf8');
    expect(log(), log()).not.toContain('warmed up');
    await waitFor(() => log().includes('warmed up'), 30_000, 'the warm-up to end');
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(log()).toContain('; app#build: not in the cache, after 1 task)');
  });

  it('never serves a stale result: a changed source, variable, config or file the config imports runs what it changes', async () => {
    const dir = workspace();
    await withDaemon(dir);
    rmSync(join(dir, 'runs.log'));

    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 10;\n');
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
    expect(readFileSync(join(dir, 'p/lib/dist/index.js'), 'utf8')).toBe('module.exports = 10;\n// built lib\n');

    // A new file, at once: the daemon's watch of the work tree has counted it before it answers.
    rmSync(join(dir, 'runs.log'));
    writeFileSync(join(dir, 'p/app/src/extra.js'), 'module.exports = 4;\n');
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(runs(dir)).toEqual(['app']);
    // The daemon looked first where the change is (app's task, though lib's comes first in the plan), and says why it declined.
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('orch run build: left to the client after');
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('; app#build: not in the cache, after 1 task)');

    expect(runOrch(['run', 'build'], dir, env(dir, { BUILD_MODE: '-prod' })).code).toBe(0);
    expect(readFileSync(join(dir, 'p/app/dist/index.js'), 'utf8')).toBe('module.exports = 2;\n// built app-prod\n');

    // The ES module config imports targets.mjs: Node would keep both for the life of the daemon.
    writeFileSync(join(dir, 'targets.mjs'), "export const targets = { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['BUILD_MODE', 'OTHER'] } };\n");
    rmSync(join(dir, 'runs.log'));
    expect(runOrch(['run', 'build'], dir, env(dir, { OTHER: 'x' })).code).toBe(0);
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
    writeFileSync(join(dir, 'orchestrator.config.mjs'), "import { targets } from './targets.mjs';\nexport default { targets: { build: { ...targets.build, outputs: ['dist/**', 'extra/**'] } } };\n");
    expect(runOrch(['show', 'app#build'], dir, env(dir)).stdout).toContain('extra/**');
    expect(runOrch(['run', 'build'], dir, env(dir, { OTHER: 'x' })).stderr).toContain('Tasks:  2 succeeded (2 total)');

    // What nothing changed is served again.
    const before = status(dir).served;
    rmSync(join(dir, 'runs.log'));
    expect(runOrch(['run', 'build'], dir, env(dir, { OTHER: 'x' })).code).toBe(0);
    expect(runs(dir)).toEqual([]);
    expect(status(dir).served).toBe(before + 1);

    // A change no task reads: the client, told a decline may come, loads orch meanwhile; the run is served all the same.
    writeFileSync(join(dir, 'NOTES.md'), 'not an input of any task\n');
    const hinted = runOrch(['run', 'build'], dir, env(dir, { OTHER: 'x' }));
    expect(hinted.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    expect(status(dir).served).toBe(before + 2);
    expect(steady(hinted.stderr)).toBe(steady(runOrch(['run', 'build', '--no-daemon'], dir, env(dir, { OTHER: 'x' })).stderr));
  });

  // Issue 13 ("hashing is incremental"): after an edit the daemon's check spawned git three or
  // four times (~12 ms each from a process of its size) before it could decline.
  it('brings its read of the repository up to date where tracked files changed, asking git nothing; a new file or git add reads it again', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'p/lib/src/extra.js'), 'module.exports = 3;\n');
    commitAll(dir);
    await withDaemon(dir);
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    const updated = () => status(dir).workTree.readsUpdated;
    const before = updated();
    const build = (): string[] => {
      rmSync(join(dir, 'runs.log'), { force: true });
      const run = runOrch(['run', 'build'], dir, env(dir));
      expect(run.code, run.stderr).toBe(0);
      return runs(dir).sort();
    };

    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 11;\n');
    expect(build()).toEqual(['app', 'lib']);
    expect(updated()).toBe(before + 1);
    expect(readFileSync(join(dir, 'p/lib/dist/index.js'), 'utf8')).toBe('module.exports = 11;\n// built lib\n');
    // A tracked input gone: left out of the hash, as git's status says.
    rmSync(join(dir, 'p/lib/src/extra.js'));
    expect(build()).toEqual(['app', 'lib']);
    expect(updated()).toBe(before + 2);
    expect(runOrch(['explain', 'lib#build', '--no-daemon'], dir, env(dir)).stdout).toMatch(/last run: +same hash/);
    // Back to the committed bytes: the first run's hash, restored from the cache. (The client's
    // run refreshes git's index then, which the next read cannot look past.)
    writeFileSync(join(dir, 'p/lib/src/extra.js'), 'module.exports = 3;\n');
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 1;\n');
    expect(build()).toEqual([]);
    expect(updated()).toBe(before + 3);
    expect(readFileSync(join(dir, 'p/lib/dist/index.js'), 'utf8')).toBe('module.exports = 1;\n// built lib\n');

    // What can change more than itself is read again: a new file, the index.
    writeFileSync(join(dir, 'p/app/src/more.js'), 'module.exports = 5;\n');
    expect(build()).toEqual(['app']);
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 12;\n');
    execFileSync('git', ['add', 'p/lib/src/index.js'], { cwd: dir });
    expect(build()).toEqual(['app', 'lib']);
    expect(updated()).toBe(before + 3);
    expect(runOrch(['run', 'build', '--no-daemon'], dir, env(dir)).stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
  });

  // Session 24's tester: with core.fileMode=false (or eol attributes), git's id of a file is not
  // that of its bytes and mode: brought up to date from the file, every later run was declined.
  it('with core.fileMode=false, a chmod is what git says it is: nothing, and the run is served', async () => {
    const dir = workspace();
    execFileSync('git', ['config', 'core.fileMode', 'false'], { cwd: dir });
    const before = await withDaemon(dir);
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    chmodSync(join(dir, 'p/lib/src/index.js'), 0o755);
    for (let i = 0; i < 2; i++) {
      const run = runOrch(['run', 'build'], dir, env(dir));
      expect(run.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    }
    expect(status(dir)).toMatchObject({ served: before.served + 3, workTree: { readsUpdated: 0 } });
  });

  it('sees edits of files in folders its watch does not enter: tracked in a folder git ignored when it began, and vendored packages', async () => {
    const dir = workspace();
    writeTree(dir, { '.gitignore': 'dist/\n.orch/\nruns.log\ngen/\n', 'p/lib/gen/other.txt': 'ignored\n', 'p/app/node_modules/vendored/index.js': 'module.exports = 1;\n', 'p/app/node_modules/vendored/package.json': '{"name":"vendored","version":"1.0.0"}' });
    commitAll(dir);
    await withDaemon(dir);
    await waitFor(() => status(dir).workTree.watched, 15_000, 'the watch of the work tree');
    // Tracked since the daemon began (as a branch that commits it does): its folder was ignored, so not watched.
    writeTree(dir, { 'p/lib/gen/conf.js': 'export const g = 1;\n' });
    execFileSync('git', ['add', '-f', 'p/lib/gen/conf.js'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'gen'], { cwd: dir });
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    // Nothing else written meanwhile (a file anywhere the watch sees makes the daemon ask git again).
    const before = runs(dir).length;
    writeFileSync(join(dir, 'p/lib/gen/conf.js'), 'export const g = 2;\n');
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('Tasks:  2 succeeded (2 total)');
    expect(runs(dir).slice(before).sort()).toEqual(['app', 'lib']);

    // A committed package under node_modules: only a node_modules folder's own entries are watched.
    await withDaemon(dir);
    await waitFor(() => status(dir).workTree.watched, 15_000, 'the watch of the work tree');
    for (let i = 0; i < 2; i++) expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    const vendoredBefore = runs(dir).length;
    writeFileSync(join(dir, 'p/app/node_modules/vendored/index.js'), 'module.exports = 2;\n');
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('Tasks:  2 succeeded (1 cached) (2 total)');
    expect(runs(dir).slice(vendoredBefore)).toEqual(['app']);
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('is read by tasks but in a folder the watch does not enter');
  });

  // Found by a fresh tester (session 26): idle, it logged `.gitignore changed (git's ignore rules or settings) changed`.
  it('a changed .gitignore stops an idle daemon, its log saying why once', async () => {
    const dir = workspace();
    const { pid } = await withDaemon(dir);
    await waitFor(() => status(dir).workTree.watched, 15_000, 'the watch of the work tree');
    writeFileSync(join(dir, '.gitignore'), 'dist/\n.orch/\nruns.log\nz.txt\n');
    await waitFor(() => !alive(pid), 15_000, 'the daemon to stop on its own');
    const stopping = readFileSync(join(dir, '.orch/daemon.log'), 'utf8').split('\n').filter((line) => line.includes('stopping:'));
    expect(stopping).toHaveLength(1);
    expect(stopping[0]).toMatch(/stopping: \S+\.gitignore changed \(git's ignore rules or settings\)$/);
  });

  it(".git/config: a branch's or a remote's settings leave it serving; a setting git's answers depend on is honoured", async () => {
    const dir = workspace();
    const { pid } = await withDaemon(dir);
    await waitFor(() => status(dir).workTree.watched, 15_000, 'the watch of the work tree');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('config', 'branch.main.description', 'the trunk');
    git('remote', 'add', 'origin', 'https://example.invalid/repo.git');
    const before = status(dir).served;
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    expect(status(dir)).toMatchObject({ pid, served: before + 1 });

    // An untracked source, then ignored by the repository's core.excludesFile: no longer an input of app#build.
    writeFileSync(join(dir, 'p/app/src/draft.js'), 'module.exports = 5;\n');
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('Tasks:  2 succeeded (1 cached) (2 total)');
    writeFileSync(join(dir, '.git/draft-excludes'), 'draft.js\n');
    git('config', 'core.excludesFile', join(dir, '.git/draft-excludes'));
    const served = runOrch(['run', 'build'], dir, env(dir));
    const alone = runOrch(['run', 'build', '--no-daemon'], dir, env(dir));
    expect(steady(served.stderr)).toBe(steady(alone.stderr));
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain(".git/config changed (git's settings)");
  });

  it('a slow reader of a long replay: no warning, no false "daemon stopped", and orch daemon stop meanwhile lets the run finish', async () => {
    const dir = workspace();
    // lib's build prints 20,000 lines: a hit replays them as many frames, faster than a slow pipe takes them.
    writeFileSync(join(dir, 'p/lib/package.json'), JSON.stringify({ name: 'lib', scripts: { build: "node ../../build.cjs && node -e \"for (let i = 0; i < 20000; i++) console.log('line ' + i)\"" } }));
    commitAll(dir);
    const { pid } = await withDaemon(dir);
    const shell = (script: string) => execFileSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, ...env(dir), CI: '' } as Record<string, string>, encoding: 'utf8' });
    const orch = `"${process.execPath}" "${ORCH_BIN}"`;
    const served = shell(`${orch} run build 2>err.txt | (sleep 1; wc -l); echo "rc=\${PIPESTATUS[0]}"`);
    expect(served).toMatch(/rc=0/);
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).not.toMatch(/Warning|daemon stopped/);
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toContain('(2 cached)');
    expect(status(dir)).toMatchObject({ pid });

    // Stopped from another terminal while it replays into the slow pipe: the run ends as it would have.
    const stopped = shell(`(${orch} run build 2>err2.txt | (sleep 1; wc -l); echo "rc=\${PIPESTATUS[0]}" > rc.txt) & sleep 0.4; ${orch} daemon stop > /dev/null; wait; cat rc.txt`);
    expect(stopped).toMatch(/rc=0/);
    expect(readFileSync(join(dir, 'err2.txt'), 'utf8')).not.toMatch(/interrupted|SIGTERM|daemon stopped/);
    expect(alive(pid)).toBe(false);
  });

  it('on a terminal, shows what orch alone shows: the live view, colours, the width', async () => {
    const dir = workspace();
    await withDaemon(dir);
    const inTerminal = (extra: Record<string, string | undefined>) => {
      const environment = Object.fromEntries(Object.entries({ ...process.env, ...env(dir), FORCE_COLOR: undefined, NO_COLOR: undefined, CI: undefined, TERM: 'xterm-256color', ...extra }).filter(([, value]) => value !== undefined)) as Record<string, string>;
      return JSON.parse(execFileSync('python3', [PTY_CAPTURE, '--cols', '70', '--', process.execPath, ORCH_BIN, 'run', 'build'], { cwd: dir, env: environment, encoding: 'utf8' })) as { output: string; code: number };
    };
    const before = status(dir).served;
    const through = inTerminal({});
    expect(status(dir).served).toBe(before + 1);
    const alone = inTerminal({ ORCH_DAEMON: '0' });
    expect(through.code).toBe(0);
    expect(through.output).toContain('\u001b['); // coloured, as on a terminal
    expect(steady(through.output)).toBe(steady(alone.output));
  });

  it('serves list, validate, affected --list and help as orch run alone prints them', async () => {
    const dir = workspace();
    await withDaemon(dir);
    execFileSync('git', ['checkout', '-qb', 'change'], { cwd: dir });
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 3;\n');
    for (const args of [['list'], ['validate'], ['affected', '--list', '--base', 'HEAD'], ['--help'], ['run', '--help'], ['show', 'app#build']]) {
      const before = status(dir).served;
      const through = runOrch(args, dir, env(dir));
      expect(status(dir).served, args.join(' ')).toBe(before + 1);
      const alone = runOrch(args, dir, env(dir, { ORCH_DAEMON: '0' }));
      expect({ code: through.code, stdout: through.stdout, stderr: through.stderr }).toEqual({ code: alone.code, stdout: alone.stdout, stderr: alone.stderr });
    }
  });

  it('is not used with --no-daemon, ORCH_DAEMON=0 or under CI', async () => {
    const dir = workspace();
    const before = (await withDaemon(dir)).served;
    expect(runOrch(['run', 'build', '--no-daemon'], dir, env(dir)).code).toBe(0);
    expect(runOrch(['list'], dir, env(dir, { ORCH_DAEMON: '0' })).code).toBe(0);
    expect(runOrch(['list'], dir, env(dir, { ORCH_DAEMON: undefined, CI: 'true' })).code).toBe(0);
    expect(status(dir).served).toBe(before);
  });

  it('after a kill -9 of the daemon, the next orch runs itself and starts another', async () => {
    const dir = workspace();
    const first = await withDaemon(dir);
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => !alive(first.pid), 5_000, 'the daemon to die');
    const run = runOrch(['run', 'build'], dir, env(dir));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('(2 cached)');
    await waitFor(() => status(dir).pid !== undefined && status(dir).pid !== first.pid, 15_000, 'another daemon');
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    expect(status(dir).served).toBe(1);
  });

  it('two orch at once both finish, each with the whole result', async () => {
    const dir = workspace();
    await withDaemon(dir);
    const [one, two] = await Promise.all([startOrch(['run', 'build'], dir, env(dir) as Record<string, string>).exited, startOrch(['run', 'build'], dir, env(dir) as Record<string, string>).exited]);
    for (const run of [one, two]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    }
  });

  // Session 24's tester: after the config moved stateDir, the daemon went on writing its log and
  // cookies in the old folder, inside the work tree.
  it('stops once the config moves its state folder; the next one keeps its log in the new one', async () => {
    const dir = workspace();
    const { pid } = await withDaemon(dir);
    const elsewhere = mkdtempSync(join(tmpdir(), 'orch-moved-state-'));
    sockets.push(elsewhere);
    writeTree(dir, { 'orchestrator.config.mjs': `import { targets } from './targets.mjs';\nexport default { targets, stateDir: ${JSON.stringify(elsewhere)} };\n` });
    expect(runOrch(['list'], dir, env(dir)).code).toBe(0);
    await waitFor(() => !alive(pid), 10_000, 'the daemon to stop');
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain(`stopping: the config moved orch's state folder to ${realpathSync(elsewhere)}`);
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    await waitFor(() => existsSync(join(elsewhere, 'daemon.log')), 15_000, 'a daemon logging in the new state folder');
  });

  it('stops when idle, when asked, and when its workspace is removed', async () => {
    const dir = workspace();
    served.push(dir);
    const started = runOrch(['daemon', 'start'], dir, env(dir, { ORCH_DAEMON_IDLE_TIMEOUT: '1500' }));
    expect(started.stdout).toMatch(/daemon of .*: running, pid \d+/);
    const idle = status(dir).pid;
    await waitFor(() => !alive(idle), 10_000, 'the idle daemon to stop');
    expect(status(dir).running).toBe(false);

    runOrch(['daemon', 'start'], dir, env(dir));
    const asked = status(dir).pid;
    expect(runOrch(['daemon', 'stop'], dir, env(dir)).stdout).toContain(`stopped the daemon (pid ${asked})`);
    expect(alive(asked)).toBe(false);
    // Nothing of it is left in the socket folder.
    expect(readdirSync(join(env(dir).TMPDIR!, `orch-daemon-${process.getuid!()}`))).toEqual([]);

    const other = workspace();
    runOrch(['daemon', 'start'], other, env(other));
    const orphan = status(other).pid;
    rmSync(other, { recursive: true, force: true });
    await waitFor(() => !alive(orphan), 15_000, 'the daemon of a removed workspace to stop');
  });

  it("keeps none of its starter's inherited descriptors (a pipe's reader would wait for the daemon), and ends if its workspace goes while it starts", async () => {
    const dir = workspace();
    served.push(dir);
    const environment = { ...process.env, ...env(dir), CI: '' } as Record<string, string>;
    // fd 251 open on a file, not close-on-exec, as a shell's `251>file` leaves it to the orch that starts the daemon.
    execFileSync('bash', ['-c', `exec 251>"${join(dir, '.orch-fd-probe')}"; "${process.execPath}" "${ORCH_BIN}" list > /dev/null`], { cwd: dir, env: environment });
    await waitFor(() => status(dir).pid !== undefined, 15_000, 'the daemon to start');
    const fds = readdirSync(`/proc/${status(dir).pid}/fd`);
    expect(fds).not.toContain('251');

    const gone = workspace();
    served.push(gone);
    runOrch(['list'], gone, env(gone));
    const socketFolder = join(env(gone).TMPDIR!, `orch-daemon-${process.getuid!()}`);
    const starting = readdirSync(socketFolder).find((name) => name.endsWith('.starting'));
    const pid = starting ? (JSON.parse(readFileSync(join(socketFolder, starting), 'utf8')) as { pid: number }).pid : status(gone).pid;
    rmSync(gone, { recursive: true, force: true });
    await waitFor(() => !alive(pid), 20_000, 'the daemon of a removed workspace to end');
  });

  it('never uses a socket folder that others can enter', async () => {
    const dir = workspace();
    const first = await withDaemon(dir);
    const folder = join(env(dir).TMPDIR!, `orch-daemon-${process.getuid!()}`);
    chmodSync(folder, 0o777);
    const before = first.served;
    expect(runOrch(['run', 'build'], dir, env(dir)).code).toBe(0);
    chmodSync(folder, 0o700);
    expect(status(dir).served).toBe(before);
  });

  it('loads anew what a config requires or imports: CommonJS files, JSON, files outside the workspace', async () => {
    const dir = workspace();
    const outside = mkdtempSync(join(tmpdir(), 'orch-outside-'));
    sockets.push(outside);
    writeFileSync(join(outside, 'deps.mjs'), "export const deps = ['^build'];\n");
    writeTree(dir, {
      'helper.cjs': "module.exports = { outputs: ['dist/**'] };\n",
      'env.json': JSON.stringify({ env: ['BUILD_MODE'] }),
      'orchestrator.config.mjs': `import { createRequire } from 'node:module';\nimport { deps } from '${join(outside, 'deps.mjs')}';\nconst require = createRequire(import.meta.url);\nconst { outputs } = require('./helper.cjs');\nconst { env } = require('./env.json');\nexport default { targets: { build: { dependsOn: deps, outputs, env } } };\n`,
    });
    await withDaemon(dir);
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    const same = (args: string[]) => {
      const through = runOrch(args, dir, env(dir));
      const alone = runOrch(args, dir, env(dir, { ORCH_DAEMON: '0' }));
      expect(steady(through.stderr), args.join(' ')).toBe(steady(alone.stderr));
      expect(through.code).toBe(alone.code);
      return through;
    };
    writeFileSync(join(dir, 'helper.cjs'), "module.exports = { outputs: ['dist/**', 'out/**'] };\n");
    expect(same(['show', 'app#build']).stdout).toContain('out/**');
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ env: ['BUILD_MODE', 'SECOND'] }));
    expect(same(['show', 'app#build']).stdout).toContain('SECOND');
    writeFileSync(join(outside, 'deps.mjs'), "export const deps = ['^nope'];\n");
    expect(same(['validate']).code).toBe(2);
  });

  it('a client whose reader goes away mid-replay (| head) exits 0, and the daemon goes on serving', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'build.cjs'), `${BUILD}for (let i = 0; i < 200000; i++) console.log('line ' + i);\n`);
    commitAll(dir);
    served.push(dir);
    const pipeline = (tail: string) => execFileSync('bash', ['-c', `node ${ORCH_BIN} run build ${tail}; echo "exit \${PIPESTATUS[0]}"`], { cwd: dir, env: { ...process.env, ...env(dir) } as NodeJS.ProcessEnv, encoding: 'utf8' });
    expect(pipeline('> /dev/null 2>&1')).toBe('exit 0\n');
    await waitFor(() => status(dir).pid !== undefined, 15_000, 'the daemon to start');
    const before = status(dir).served;
    expect(pipeline('2>/dev/null | head -1')).toMatch(/exit 0\n$/);
    expect(pipeline('2>&1 | head -0')).toMatch(/exit 0\n$/);
    expect(status(dir).served).toBe(before + 2);
    expect(pipeline('2>&1 >/dev/null | grep -c "(2 cached)"')).toBe('1\nexit 0\n');
    expect(status(dir).served).toBe(before + 3);
  });

  it('orch daemon status and stop work with a config that cannot load', async () => {
    const dir = workspace();
    const { pid } = await withDaemon(dir);
    writeFileSync(join(dir, 'orchestrator.config.mjs'), 'throw new Error("broken");\n');
    expect(runOrch(['daemon', 'status'], dir, env(dir)).stdout).toContain(`running, pid ${pid}`);
    expect(runOrch(['daemon', 'stop'], dir, env(dir)).stdout).toContain(`stopped the daemon (pid ${pid})`);
    expect(alive(pid)).toBe(false);
  });

  it("reports a config's errors as orch alone does: a loop once, a callback's throw located", async () => {
    const dir = workspace();
    await withDaemon(dir);
    // Served invocations have loaded the config already: the daemon's one watchdog thread is reused.
    for (let i = 0; i < 2; i++) expect(runOrch(['list'], dir, env(dir)).code).toBe(0);
    expect(status(dir).served).toBeGreaterThanOrEqual(2);
    writeFileSync(join(dir, 'orchestrator.config.mjs'), "await Promise.resolve();\nwhile (true) {}\nexport default {};\n");
    const looping = runOrch(['list'], dir, env(dir, { ORCH_CONFIG_TIMEOUT: '300ms' }));
    expect(looping.code).toBe(2);
    expect(looping.stderr).toContain('orchestrator.config.mjs:2:1: error: the config was still running after 300 ms');
    // Said as orch alone says it, once: not by the daemon and then again by the client running it itself.
    expect(looping.stderr).toBe(runOrch(['list'], dir, env(dir, { ORCH_CONFIG_TIMEOUT: '300ms', ORCH_DAEMON: '0' })).stderr);

    // A plugin of the config whose callback throws while a served run goes on: the config's error, located, exit 2.
    writeFileSync(
      join(dir, 'orchestrator.config.mjs'),
      "const boom = { name: 'boom', apply(engine) { engine.hooks.event.tap('boom', (event) => { if (process.env.BOOM && event.type === 'run-started') setImmediate(() => { throw new Error('late boom'); }); }); } };\nexport default { targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } }, plugins: [boom] };\n",
    );
    const { pid } = await withDaemon(dir);
    expect(runOrch(['run', 'build'], dir, env(dir)).stderr).toContain('(2 cached)');
    const before = status(dir).served;
    const through = runOrch(['run', 'build'], dir, env(dir, { BOOM: '1' }));
    expect(through.code).toBe(2);
    expect(through.stderr).toContain("orchestrator.config.mjs:1:");
    expect(through.stderr).toContain('late boom');
    expect(through.stderr).not.toContain('internal error');
    expect(through.stderr).not.toContain('uncaughtException'); // the daemon's own log line stays in its log
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('uncaughtException: Error: late boom');
    await waitFor(() => !alive(pid), 10_000, 'the daemon to stop after an error nothing caught');
    expect(before).toBeGreaterThan(0);
    const alone = runOrch(['run', 'build'], dir, env(dir, { BOOM: '1', ORCH_DAEMON: '0' }));
    expect(alone.code).toBe(2);
  });

  it("files a served invocation makes get the client's umask", async () => {
    const dir = workspace();
    await withDaemon(dir);
    const before = status(dir).served;
    execFileSync('bash', ['-c', `umask 077 && node ${ORCH_BIN} run build --summarize=summary.json`], { cwd: dir, env: { ...process.env, ...env(dir) } as NodeJS.ProcessEnv });
    expect(status(dir).served).toBe(before + 1);
    expect(statSync(join(dir, 'summary.json')).mode & 0o777).toBe(0o600);
  });

  it('ORCH_DAEMON: off, no and false are off; another value is said and the default taken', async () => {
    const dir = workspace();
    const before = (await withDaemon(dir)).served;
    for (const off of ['off', 'no', 'FALSE']) expect(runOrch(['list'], dir, env(dir, { ORCH_DAEMON: off })).code).toBe(0);
    expect(status(dir).served).toBe(before);
    // The default is on outside CI (the suite may run under CI).
    const unclear = runOrch(['list'], dir, env(dir, { ORCH_DAEMON: 'maybe', CI: undefined }));
    expect(unclear.stderr).toContain('ORCH_DAEMON=maybe is neither on (1, true, yes, on) nor off (0, false, no, off)');
    expect(status(dir).served).toBe(before + 1);
  });

  it('stops when its state folder goes; an idle timeout that is no duration is said, a huge one said and the longest kept', async () => {
    const dir = workspace();
    served.push(dir);
    runOrch(['daemon', 'start'], dir, env(dir, { ORCH_DAEMON_IDLE_TIMEOUT: 'soon' }));
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('ORCH_DAEMON_IDLE_TIMEOUT=soon is not a duration');
    runOrch(['daemon', 'stop'], dir, env(dir));
    runOrch(['daemon', 'start'], dir, env(dir, { ORCH_DAEMON_IDLE_TIMEOUT: '99999999999' }));
    const { pid } = status(dir);
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).not.toContain('Warning');
    expect(readFileSync(join(dir, '.orch/daemon.log'), 'utf8')).toContain('ORCH_DAEMON_IDLE_TIMEOUT=99999999999 is longer than a timer can wait: 596 h 31 min it is');
    rmSync(join(dir, '.orch'), { recursive: true, force: true });
    await waitFor(() => !alive(pid), 15_000, 'the daemon to stop once its state folder is gone');
  });

  it('a TMPDIR that names no folder is not made', () => {
    const dir = workspace();
    const missing = join(tmpdir(), `orch-missing-${process.pid}`, 'nested');
    expect(runOrch(['run', 'build'], dir, { ORCH_DAEMON: '1', TMPDIR: missing }).code).toBe(0);
    expect(runOrch(['daemon', 'start'], dir, { ORCH_DAEMON: '1', TMPDIR: missing }).code).toBe(2);
    expect(existsSync(missing)).toBe(false);
  });

  it('affected --list keeps git answers while nothing changes, and sees a commit, a ref moved, a branch switched, a fetch', async () => {
    const dir = workspace();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
    git('branch', '-M', 'main');
    const start = git('rev-parse', 'HEAD');
    await withDaemon(dir);
    // Its watch starts beside serving: until it is ready, git is asked each time.
    await waitFor(() => status(dir).workTree.watched, 15_000, 'the work tree to be watched');
    /** `affected --list --json` through the daemon (which serves it) and alone: the same answer, or the test fails. */
    const affected = (...args: string[]) => {
      const before = status(dir).served;
      const through = runOrch(['affected', '--list', '--json', ...args], dir, env(dir));
      expect(status(dir).served).toBe(before + 1);
      const alone = runOrch(['affected', '--list', '--json', ...args], dir, env(dir, { ORCH_DAEMON: '0' }));
      expect(through.stdout).toBe(alone.stdout);
      const { projects, files, mergeBase } = JSON.parse(through.stdout) as { projects: { name: string }[]; files: { path: string; where: string }[]; mergeBase: string };
      return { projects: projects.map((p) => p.name).sort(), files: files.map((f) => `${f.where} ${f.path}`), mergeBase };
    };

    git('checkout', '-qb', 'feature');
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 3;\n');
    const edited = { projects: ['app', 'lib'], files: ['uncommitted p/lib/src/index.js'], mergeBase: start };
    expect(affected('--base', 'main')).toEqual(edited);
    // Asked again with nothing changed: git's answers are handed back, not asked for.
    const kept = status(dir).workTree.readsKept;
    expect(affected('--base', 'main')).toEqual(edited);
    expect(status(dir).workTree.readsKept).toBeGreaterThan(kept);

    // A commit: the change is committed now, not in the work tree.
    git('commit', '-qam', 'lib changed');
    const feature = git('rev-parse', 'HEAD');
    expect(affected('--base', 'main')).toEqual({ projects: ['app', 'lib'], files: ['committed p/lib/src/index.js'], mergeBase: start });

    // A ref moved (a branch's file in .git/refs): main is the head now, nothing changed since.
    git('update-ref', 'refs/heads/main', feature);
    expect(affected('--base', 'main')).toEqual({ projects: [], files: [], mergeBase: feature });

    // A branch switched, with another commit: only app changed since the merge-base with main.
    git('checkout', '-qb', 'other', start);
    writeFileSync(join(dir, 'p/app/src/index.js'), 'module.exports = 4;\n');
    git('commit', '-qam', 'app changed');
    expect(affected('--base', 'main')).toEqual({ projects: ['app'], files: ['committed p/app/src/index.js'], mergeBase: start });

    // Refs packed into .git/packed-refs, then a fetch that moves a remote branch (FETCH_HEAD and refs/remotes).
    git('pack-refs', '--all');
    expect(affected('--base', 'main')).toEqual({ projects: ['app'], files: ['committed p/app/src/index.js'], mergeBase: start });
    git('fetch', '-q', dir, 'main:refs/remotes/origin/main');
    expect(affected('--base', 'origin/main')).toEqual({ projects: ['app'], files: ['committed p/app/src/index.js'], mergeBase: start });
    git('update-ref', 'refs/heads/main', git('rev-parse', 'HEAD'));
    git('fetch', '-q', dir, '+main:refs/remotes/origin/main');
    expect(affected('--base', 'origin/main')).toEqual({ projects: [], files: [], mergeBase: git('rev-parse', 'HEAD') });
  });

  it('hashes as orch alone does after ignore rules change in .git/info/exclude', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'p/lib/untracked.txt'), 'not committed\n');
    await withDaemon(dir);
    const hashes = (extra: Record<string, string> = {}) => JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], dir, env(dir, extra)).stdout).tasks.map((task: { id: string; hash: string }) => `${task.id} ${task.hash}`);
    expect(hashes()).toEqual(hashes({ ORCH_DAEMON: '0' }));
    writeFileSync(join(dir, '.git/info/exclude'), 'untracked.txt\n');
    expect(hashes()).toEqual(hashes({ ORCH_DAEMON: '0' }));
    writeFileSync(join(dir, '.git/info/exclude'), '');
    expect(hashes()).toEqual(hashes({ ORCH_DAEMON: '0' }));
  });

  it("stops for a package.json or a package in node_modules changed: what Node resolved is kept for good", async () => {
    const dir = workspace();
    writeTree(dir, {
      'p/preset/package.json': JSON.stringify({ name: 'preset', type: 'module', exports: './a.mjs' }),
      'p/preset/a.mjs': "export const outputs = ['dist/**'];\n",
      'p/preset/b.mjs': "export const outputs = ['dist/**', 'lib/**'];\n",
      'orchestrator.config.mjs': "import { outputs } from 'preset';\nexport default { targets: { build: { dependsOn: ['^build'], outputs } } };\n",
    });
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync('../p/preset', join(dir, 'node_modules', 'preset'), 'dir');
    const { pid } = await withDaemon(dir);
    writeFileSync(join(dir, 'p/preset/package.json'), JSON.stringify({ name: 'preset', type: 'module', exports: './b.mjs' }));
    expect(runOrch(['show', 'app#build'], dir, env(dir)).stdout).toContain('lib/**');
    await waitFor(() => !alive(pid), 10_000, 'the daemon to stop');
  });

  it('a workspace removed and made again at the same path: the next orch runs as usual', async () => {
    const dir = workspace();
    const { pid } = await withDaemon(dir);
    const copy = mkdtempSync(join(tmpdir(), 'orch-copy-'));
    sockets.push(copy);
    execFileSync('cp', ['-a', `${dir}/.`, copy]);
    rmSync(dir, { recursive: true, force: true });
    execFileSync('cp', ['-a', `${copy}/.`, dir]);
    const next = runOrch(['list'], dir, env(dir));
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('app#build');
    await waitFor(() => !alive(pid), 10_000, 'the old daemon to stop');
  });

  it('orch daemon stop also stops a daemon that is still starting', async () => {
    const dir = workspace();
    served.push(dir);
    expect(runOrch(['list'], dir, env(dir)).code).toBe(0); // starts one in the background
    runOrch(['daemon', 'stop'], dir, env(dir));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(status(dir).running).toBe(false);
  });

  it("a config sees orch's own arguments, as orch alone gives them", async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'orchestrator.config.mjs'), "export default { targets: { build: { dependsOn: ['^build'], outputs: [process.argv.slice(2).join('+')] } } };\n");
    commitAll(dir);
    await withDaemon(dir);
    const through = runOrch(['show', 'app#build'], dir, env(dir));
    expect(through.stdout).toContain('show+app#build');
    expect(through.stdout).toBe(runOrch(['show', 'app#build'], dir, env(dir, { ORCH_DAEMON: '0' })).stdout);
  });
});
