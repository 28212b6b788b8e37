import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// `orch watch` with real file events (chokidar) on real git repositories: each task appends a
// word to `ran.txt` (git-ignored, read by no task), and the tests assert what ran, cycle by cycle.

const pkg = (name: string, scripts: Record<string, string>, dependencies: Record<string, string> = {}) => JSON.stringify({ name, version: '1.0.0', scripts, dependencies });
/** A script that appends `word` to the root's ran.txt, then does `then`. */
const mark = (word: string, then = 'true') => `echo ${word} >> ../../ran.txt && ${then}`;
// A node one-liner as a shell word.
const node = (code: string) => `node -e ${JSON.stringify(code)}`;

const started: ReturnType<typeof startOrch>[] = [];
afterEach(() => {
  for (const orch of started.splice(0)) if (orch.child.exitCode === null) orch.child.kill('SIGKILL');
});

function watch(args: string[], dir: string) {
  const orch = startOrch(args, dir);
  started.push(orch);
  return orch;
}

function ran(dir: string): string[] {
  const file = join(dir, 'ran.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** The pid a task wrote to `file`; 0 while it is absent or being written. */
const pidIn = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8')) || 0 : 0);
const WAITING = 'orch: watch: waiting for changes';

/**
 * Waits until the watch has printed `n` "waiting for changes" lines: said once each time all
 * is done (a cycle whose tasks' changes restart some is followed by theirs first).
 */
const cycles = (orch: ReturnType<typeof startOrch>, n: number) => waitFor(() => count(orch.output(), WAITING) >= n, 30_000, () => `cycle ${n} to end:\n${orch.output()}`);

/** lib ← app (app's build depends on lib's), and other on its own; builds write dist/. */
function monorepo() {
  const build = (word: string) => mark(word, 'mkdir -p dist && cp src/* dist/');
  return commitAll(
    tempRepo({
      '.gitignore': 'ran.txt\nrelease\n',
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }),
      'p/lib/package.json': pkg('lib', { build: build('lib') }),
      'p/lib/src/lib.txt': 'lib 1\n',
      'p/app/package.json': pkg('app', { build: build('app') }, { lib: '1.0.0' }),
      'p/app/src/app.txt': 'app 1\n',
      'p/other/package.json': pkg('other', { build: build('other') }),
      'p/other/src/other.txt': 'other 1\n',
    }),
  );
}

/** lib ← app, where app#dev is a persistent dev server that writes its pid to p/app/dev.pid; lib's build prints `lib built`. */
function devRepo() {
  const dev = node("const fs=require('fs');fs.appendFileSync('../../ran.txt','dev\\n');fs.writeFileSync('dev.pid',String(process.pid));setInterval(()=>{},1000)");
  return commitAll(
    tempRepo({
      '.gitignore': 'ran.txt\ndev.pid\n',
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] }, dev: { dependsOn: ['^build'], persistent: true } } }),
      'p/lib/package.json': pkg('lib', { build: mark('lib', 'echo lib built') }),
      'p/lib/src/lib.txt': '1\n',
      'p/app/package.json': pkg('app', { dev }, { lib: '1.0.0' }),
      'p/app/src/app.txt': '1\n',
    }),
  );
}

describe('orch watch', () => {
  it('re-runs exactly the tasks whose inputs changed and what depends on them; outputs written are not changes', async () => {
    const dir = monorepo();
    const orch = watch(['watch', 'build'], dir);
    await cycles(orch, 1);
    expect(ran(dir).sort()).toEqual(['app', 'lib', 'other']);

    appendFileSync(join(dir, 'p/app/src/app.txt'), 'app 2\n');
    await cycles(orch, 2);
    expect(ran(dir).slice(3)).toEqual(['app']);
    expect(orch.output()).toContain('orch: watch: p/app/src/app.txt changed; re-running app#build\n');

    appendFileSync(join(dir, 'p/lib/src/lib.txt'), 'lib 2\n');
    await cycles(orch, 3);
    // lib first, then app, which depends on it; other is untouched.
    expect(ran(dir).slice(4)).toEqual(['lib', 'app']);

    // A declared output written beside a source, in one burst: only the source is a change.
    writeFileSync(join(dir, 'p/lib/dist/extra.txt'), 'written by hand\n');
    appendFileSync(join(dir, 'p/other/src/other.txt'), 'other 2\n');
    await cycles(orch, 4);
    expect(ran(dir).slice(6)).toEqual(['other']);
    expect(orch.output()).toContain('orch: watch: p/other/src/other.txt changed; re-running other#build\n');
    expect(orch.output()).not.toMatch(/dist\/extra\.txt.*changed/);
    // Unchanged tasks are not re-run as cache hits, nor listed: each cycle ran only what changed.
    expect(orch.output()).not.toContain('cached');

    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
  }, 90_000);

  it('a burst of quick saves is one cycle (orch run --watch)', async () => {
    const dir = monorepo();
    const orch = watch(['run', 'build', '--watch'], dir);
    await cycles(orch, 1);
    for (let i = 2; i < 8; i++) appendFileSync(join(dir, 'p/app/src/app.txt'), `app ${i}\n`);
    await cycles(orch, 2);
    // A later, separate change: had the burst been split, app would have run again before it.
    appendFileSync(join(dir, 'p/other/src/other.txt'), 'other 2\n');
    await cycles(orch, 3);
    expect(ran(dir).slice(3)).toEqual(['app', 'other']);
    expect(count(orch.output(), 're-running app#build')).toBe(1);
    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
  }, 90_000);

  it('a change during a run cancels and restarts only the tasks it reaches; Ctrl-C leaves no process', async () => {
    // Both tasks mark their start, then wait for `release` (git-ignored, no input) and mark their end.
    const waitForRelease = (word: string) => mark(`${word}-start`, `${node(`const fs=require('fs');fs.appendFileSync('pids',process.pid+'\\n');fs.writeFileSync('pid',String(process.pid));const t=setInterval(()=>{if(fs.existsSync('../../release')){clearInterval(t);fs.appendFileSync('../../ran.txt','${word}-end\\n')}},20)`)}`);
    const dir = commitAll(
      tempRepo({
        '.gitignore': 'ran.txt\nrelease\npid\npids\n',
        'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
        'p/slow/package.json': pkg('slow', { work: waitForRelease('slow') }),
        'p/slow/src/a.txt': '1\n',
        'p/steady/package.json': pkg('steady', { work: waitForRelease('steady') }),
        'p/steady/src/a.txt': '1\n',
      }),
    );
    const orch = watch(['watch', 'work', '--concurrency', '2'], dir);
    await waitFor(() => ran(dir).includes('slow-start') && ran(dir).includes('steady-start'), 30_000, 'both tasks to start');
    await waitFor(() => pidIn(join(dir, 'p/slow/pid')) > 0, 10_000, 'the pid');
    const firstSlow = pidIn(join(dir, 'p/slow/pid'));

    appendFileSync(join(dir, 'p/slow/src/a.txt'), '2\n');
    await waitFor(() => orch.output().includes('changed during the run; restarting slow#work\n'), 30_000, () => `the restart:\n${orch.output()}`);
    expect(orch.output()).toContain('orch: watch: p/slow/src/a.txt changed during the run; restarting slow#work\n');
    await waitFor(() => !alive(firstSlow), 10_000, 'the cancelled task to end');
    writeFileSync(join(dir, 'release'), '');
    await waitFor(() => ran(dir).filter((word) => word.endsWith('-end')).length === 2, 30_000, () => `both tasks to end:\n${orch.output()}`);
    await cycles(orch, 1);
    const words = ran(dir);
    expect(words.filter((word) => word === 'slow-start')).toHaveLength(2);
    expect(words.filter((word) => word === 'steady-start')).toHaveLength(1);
    expect(words.filter((word) => word === 'slow-end')).toHaveLength(1);
    expect(words.filter((word) => word === 'steady-end')).toHaveLength(1);

    // Ctrl-C while a task runs: it ends, and so does orch, with 130.
    rmSync(join(dir, 'release'));
    const before = pidIn(join(dir, 'p/steady/pid'));
    appendFileSync(join(dir, 'p/steady/src/a.txt'), '2\n');
    await waitFor(() => ran(dir).filter((word) => word === 'steady-start').length === 2, 30_000, 'steady to start again');
    await waitFor(() => ![0, before].includes(pidIn(join(dir, 'p/steady/pid'))), 10_000, 'the new pid');
    const running = pidIn(join(dir, 'p/steady/pid'));
    expect(alive(running)).toBe(true);
    orch.child.kill('SIGINT');
    const exited = await orch.exited;
    expect(exited.code).toBe(130);
    expect(exited.stderr).toContain('orch: watch: stopping every task');
    // Every process any cycle started is gone, not only the last one.
    const pids = ['slow', 'steady'].flatMap((name) => readFileSync(join(dir, `p/${name}/pids`), 'utf8').split('\n').filter(Boolean).map(Number));
    expect(pids).toContain(running);
    await waitFor(() => pids.every((pid) => !alive(pid)), 10_000, () => `every task process to be gone: ${pids.filter(alive).join(', ')} alive\n${exited.stderr}`);
  }, 120_000);

  it('keeps a persistent task running across re-runs and restarts it only when its own inputs change', async () => {
    const dir = devRepo();
    const orch = watch(['watch', 'app#dev'], dir);
    await waitFor(() => ran(dir).includes('dev') && pidIn(join(dir, 'p/app/dev.pid')) > 0, 30_000, () => `the dev server:\n${orch.output()}`);
    expect(ran(dir)).toEqual(['lib', 'dev']);
    expect(orch.output()).toContain('orch: watch: starting app#dev (persistent');
    const first = pidIn(join(dir, 'p/app/dev.pid'));

    // A dependency rebuilt: the dev server keeps running.
    appendFileSync(join(dir, 'p/lib/src/lib.txt'), '2\n');
    await waitFor(() => count(orch.output(), WAITING) >= 2, 30_000, () => `the rebuild:\n${orch.output()}`);
    expect(ran(dir)).toEqual(['lib', 'dev', 'lib']);
    expect(alive(first)).toBe(true);
    // Kept running on purpose, in a group orch supervises: not a process that escaped it (FINDINGS-15, 4).
    expect(orch.output()).not.toContain('left its process group');
    // `orch status` shows the watch's session: the dev server still runs, after a later cycle.
    const status = runOrch(['status'], dir).stdout;
    expect(status).toContain('Status:    watching (held by a live orch process)');
    expect(status).toMatch(/ACTIVE COMMANDS:\n {2}app#dev {2}stage execute/);

    // Its own input changed: stopped, started again.
    appendFileSync(join(dir, 'p/app/src/app.txt'), '2\n');
    await waitFor(() => ran(dir).length === 4, 30_000, () => `the restart:\n${orch.output()}`);
    expect(ran(dir)).toEqual(['lib', 'dev', 'lib', 'dev']);
    expect(orch.output()).toContain('orch: watch: restarting app#dev (persistent: its own inputs changed)');
    expect(alive(first)).toBe(false);
    await waitFor(() => ![0, first].includes(pidIn(join(dir, 'p/app/dev.pid'))), 10_000, 'the new pid');
    const second = pidIn(join(dir, 'p/app/dev.pid'));

    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
    await waitFor(() => !alive(second), 10_000, 'the dev server to be gone');
  }, 120_000);

  it('reloads the graph when the config or a command file changes; a broken config is reported and the watch goes on', async () => {
    const dir = commitAll(
      tempRepo({
        '.gitignore': 'ran.txt\n',
        '.claude/commands/hello.md': '---\ndescription: hello\ninputs: [src/**]\nrun: echo "hello one" >> ran.txt\n---\n',
        'orchestrator.config.json': '{\n  "concurrency": 2\n}\n',
        'src/a.txt': '1\n',
      }),
    );
    const orch = watch(['watch', 'hello'], dir);
    await cycles(orch, 1);
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toBe('hello one\n');

    writeFileSync(join(dir, '.claude/commands/hello.md'), '---\ndescription: hello\ninputs: [src/**]\nrun: echo "hello two" >> ran.txt\n---\n');
    await cycles(orch, 2);
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toBe('hello one\nhello two\n');

    writeFileSync(join(dir, 'orchestrator.config.json'), '{\n  "concurrency": 2,\n  "concurency": 3\n}\n');
    await waitFor(() => orch.output().includes('still watching'), 30_000, () => `the config error:\n${orch.output()}`);
    expect(orch.output()).toMatch(/orchestrator\.config\.json:3:3: error: .*concurency/);
    expect(orch.child.exitCode).toBe(null);

    // A config that does not load is reported once, located: not again as `could not load …` (FINDINGS-15, 17i).
    const reported = count(orch.output(), 'still watching');
    writeFileSync(join(dir, 'orchestrator.config.json'), '{\n  "concurrency": 2,,\n}\n');
    await waitFor(() => count(orch.output(), 'still watching') > reported, 30_000, () => `the syntax error:\n${orch.output()}`);
    expect(count(orch.output(), 'orchestrator.config.json:2:20: error: not valid JSON')).toBe(1);
    expect(orch.output()).not.toContain('could not load');

    // Fixed back as it was: nothing runs again (no hash moved), and the watch says it loads again.
    const waiting = count(orch.output(), 'waiting for changes');
    writeFileSync(join(dir, 'orchestrator.config.json'), '{\n  "concurrency": 2\n}\n');
    await waitFor(() => count(orch.output(), 'waiting for changes') > waiting, 30_000, () => `the fix:\n${orch.output()}`);
    expect(orch.output()).toContain('orch: watch: the workspace loads again (orchestrator.config.json changed)');
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toBe('hello one\nhello two\n');

    writeFileSync(join(dir, 'orchestrator.config.json'), '{\n  "concurrency": 2,\n  "globalEnv": ["WATCH_TEST_VARIABLE"]\n}\n');
    // The config's settings are in every task's hash: fixed with a new one, it runs again.
    await waitFor(() => readFileSync(join(dir, 'ran.txt'), 'utf8') === 'hello one\nhello two\nhello two\n', 30_000, () => `the run after the fix:\n${orch.output()}`);
    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
  }, 90_000);

  it('says which task a change waits for while a dependency fails, and runs it once that is fixed', async () => {
    const build = (word: string) => mark(word, 'if grep -q broken src/*; then echo "it is broken" >&2; exit 1; fi');
    const dir = commitAll(
      tempRepo({
        '.gitignore': 'ran.txt\n',
        'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
        'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
        'p/lib/package.json': pkg('lib', { build: build('lib') }),
        'p/lib/src/lib.txt': 'broken\n',
        'p/app/package.json': pkg('app', { build: build('app') }, { lib: '1.0.0' }),
        'p/app/src/app.txt': '1\n',
      }),
    );
    const orch = watch(['watch', 'app#build'], dir);
    await cycles(orch, 1);
    expect(ran(dir)).toEqual(['lib']);

    appendFileSync(join(dir, 'p/app/src/app.txt'), '2\n');
    await waitFor(() => orch.output().includes('waits for'), 30_000, () => `the wait line:\n${orch.output()}`);
    expect(orch.output()).toContain('orch: watch: p/app/src/app.txt changed; app#build waits for lib#build, which failed: it runs once that is fixed\n');
    expect(ran(dir)).toEqual(['lib']);

    writeFileSync(join(dir, 'p/lib/src/lib.txt'), 'fixed\n');
    await waitFor(() => ran(dir).length === 3, 30_000, () => `the run after the fix:\n${orch.output()}`);
    expect(ran(dir)).toEqual(['lib', 'lib', 'app']);
    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
  }, 90_000);

  it('records itself as a session: a kill -9 leaves nothing running for good, orch logs finds what it ran, resume refuses it', async () => {
    const dir = devRepo();
    const devPid = () => pidIn(join(dir, 'p/app/dev.pid'));
    const first = watch(['watch', 'app#dev'], dir);
    await waitFor(() => devPid() > 0, 30_000, () => `the dev server:\n${first.output()}`);
    const firstDev = devPid();
    const session = /orch: session (\S+)/.exec(first.output())?.[1];
    expect(session).toBeDefined();
    expect(runOrch(['sessions'], dir).stdout).toMatch(new RegExp(`${session}\\s+watching\\s.*orch watch app#dev`));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(firstDev)).toBe(true);
    // What a watch ran has its log (FINDINGS-15, 3).
    const newest = runOrch(['logs', 'lib#build'], dir);
    expect(newest.stderr).toContain(`orch: lib#build in session ${session} (succeeded)`);
    expect(newest.stdout).toBe('lib built\n');

    // The next watch ends what the killed one left, before it starts its own dev server.
    rmSync(join(dir, 'p/app/dev.pid'));
    const second = watch(['watch', 'app#dev'], dir);
    await waitFor(() => devPid() > 0, 30_000, () => `the second dev server:\n${second.output()}`);
    expect(second.output()).toContain(`orch: session ${session} (\`orch watch app#dev\`, pid ${first.child.pid}) was killed and left tasks running; ended them before starting: app#dev`);
    await waitFor(() => !alive(firstDev), 10_000, 'the first dev server to be gone');
    const secondDev = devPid();
    second.child.kill('SIGKILL');
    await second.exited;

    // So does the next run.
    const run = runOrch(['run', 'lib#build'], dir, {}, { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/was killed and left tasks running; ended them before starting: app#dev/);
    await waitFor(() => !alive(secondDev), 10_000, 'the second dev server to be gone');

    // And by the session it printed, after later runs.
    const logs = runOrch(['logs', 'lib#build', '--session', session!], dir);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('lib built\n');
    expect(runOrch(['sessions'], dir).stdout).toMatch(new RegExp(`${session}\\s+stopped\\s`));
    const resume = runOrch(['resume', session!], dir);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`session ${session} is a watch (\`orch watch app#dev\`): a watch is not resumed`);
    // Nor is it what a bare resume picks up.
    expect(runOrch(['resume'], dir).stderr).toContain('no session has unfinished work');
  }, 120_000);
});

describe('persistent tasks', () => {
  it('a dependency on one is an error at the dependency', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'orchestrator.config.json': JSON.stringify({ targets: { dev: { persistent: true }, e2e: { dependsOn: ['dev'] } } }, null, 2),
      'p/app/package.json': pkg('app', { dev: 'sleep 100', e2e: 'echo e2e' }),
    });
    const run = runOrch(['run', 'app#e2e'], dir, {}, { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/orchestrator\.config\.json:\d+:\d+: error: app#e2e depends on app#dev \(as 'dev'\), a persistent task: it never finishes, so app#e2e would never start/);
    expect(run.stderr).not.toContain('e2e\n');
  });
});
