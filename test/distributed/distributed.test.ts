import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis } from '../helpers/redisServer.js';
import { freePort, startRemoteCache } from '../helpers/remoteCacheServer.js';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// Real parts: Debian's redis-server on loopback, the real turborepo-remote-cache, and the built
// orch as a coordinator and as worker processes, each in its own clone of the same repository.
// A loaded 2-core machine runs these: every wait polls with a generous limit, nothing is timed.

/** Each package's build: checks its dependencies were built, writes dist/, and counts its runs in the clone's runs.log. */
const BUILD = `const fs = require('fs');
const path = require('path');
const pkg = require(path.resolve('package.json'));
for (const dep of Object.keys(pkg.dependencies || {})) {
  if (!fs.existsSync(path.join('..', dep, 'dist', 'index.js'))) { console.error('dependency ' + dep + ' is not built'); process.exit(1); }
}
fs.appendFileSync('../../runs.log', pkg.name + '\\n');
if (pkg.name === 'slow' || pkg.name === 'slow2') {
  fs.writeFileSync('../../started-' + pkg.name, String(process.pid));
  const wait = () => (fs.existsSync('../../go') ? finish() : setTimeout(wait, 50));
  return void wait();
}
if (pkg.name === 'broken') { console.error('broken: the compiler says no'); process.exit(3); }
if (pkg.name === 'flaky' && !fs.existsSync('../../flaky-failed')) { fs.writeFileSync('../../flaky-failed', ''); console.error('flaky: first attempt fails'); process.exit(1); }
finish();
function finish() {
  const deps = Object.keys(pkg.dependencies || {}).map((dep) => fs.readFileSync(path.join('..', dep, 'dist', 'index.js'), 'utf8').length);
  fs.mkdirSync('dist', { recursive: true });
  fs.writeFileSync('dist/index.js', '// ' + pkg.name + ' ' + deps.join(',') + '\\n' + fs.readFileSync('src/index.js', 'utf8'));
  console.log('built ' + pkg.name);
}
`;

/** A repository of packages (name → dependencies), with the remote cache configured; its origin for clones. */
function origin(packages: Record<string, string[]>, cacheUrl: string, build: object = {}): string {
  const files: Record<string, string> = {
    '.gitignore': 'dist/\n.orch/\nruns.log\nstarted-*\ngo\nflaky-failed\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'build.cjs': `(() => {\n${BUILD}\n})();\n`,
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], ...build } }, cache: { remote: { url: cacheUrl, team: 'ci', signatureKeyEnv: 'CACHE_KEY' } } }),
  };
  for (const [name, deps] of Object.entries(packages)) {
    files[`p/${name}/package.json`] = JSON.stringify({ name, dependencies: Object.fromEntries(deps.map((dep) => [dep, '*'])), scripts: { build: 'node ../../build.cjs' } });
    files[`p/${name}/src/index.js`] = `module.exports = ${JSON.stringify(name)};\n`;
  }
  return commitAll(tempRepo(files));
}

function clone(from: string): string {
  const dir = tempRepo({}, { git: false });
  execFileSync('git', ['clone', '-q', from, dir]);
  return dir;
}

/** 30 packages in a tree: package i depends on (i-1)/2 and (i-1)/3, as the benchmark workspace. */
function treePackages(count: number): Record<string, string[]> {
  const name = (i: number) => `pkg${String(i).padStart(2, '0')}`;
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [name(i), i === 0 ? [] : [...new Set([name(Math.floor((i - 1) / 2)), name(Math.floor((i - 1) / 3))])]]));
}

const runs = (dir: string): string[] => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
const outputs = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(join(dir, 'p')).map((name) => [name, existsSync(join(dir, 'p', name, 'dist', 'index.js')) ? readFileSync(join(dir, 'p', name, 'dist', 'index.js'), 'utf8') : '(none)']));

/** Waits until Redis holds nothing of any run (workers remove what their last stall check wrote). */
async function noQueueLeft(redis: Awaited<ReturnType<typeof startRedis>>): Promise<void> {
  let keys = '';
  const deadline = Date.now() + 60_000;
  while ((keys = await redis.command('KEYS', 'orch:run*')) !== '*0\r\n') {
    if (Date.now() > deadline) throw new Error(`keys left in Redis: ${keys}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const workers: ReturnType<typeof startOrch>[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }
});

async function setup(packages: Record<string, string[]>, build: object = {}, server: { password?: string } = {}) {
  const redis = await startRedis(server);
  const cache = await startRemoteCache();
  const env = { ORCH_REMOTE_CACHE_TOKEN: cache.token, CACHE_KEY: 'shared key' };
  const repo = origin(packages, cache.url, build);
  /** Starts `orch worker` in a fresh clone (or `dir`); resolves once it serves the queue. */
  const worker = async (name: string, dir = clone(repo), extra: string[] = []) => {
    const started = startOrch(['worker', '--queue', redis.url, '--name', name, '--stall-timeout', '2s', ...extra], dir, env);
    workers.push(started);
    await waitFor(() => started.output().includes(`as ${name}`) || started.child.exitCode !== null, 60_000, `worker ${name} to start`);
    expect(started.output()).toContain(`serving ${redis.url} as ${name}`);
    return { ...started, dir, name };
  };
  return { redis, cache, env, repo, worker };
}

/** A coordinator in its own clone killed with SIGKILL while slow#build runs on worker-a. */
async function killedWhileSlowRuns(packages: Record<string, string[]>) {
  const { redis, env, repo, worker } = await setup(packages);
  const a = await worker('worker-a');
  const coordinator = clone(repo);
  const first = startOrch(['run', 'build', '--distribute', redis.url], coordinator, env);
  await waitFor(() => existsSync(join(a.dir, 'started-slow')), 120_000, 'slow#build to start on the worker');
  first.child.kill('SIGKILL');
  await first.exited;
  return { redis, env, a, coordinator };
}

describe('orch run --distribute', () => {
  it('builds 30 packages on two workers in separate clones: the same outputs as a local run, every task exactly once, each recorded with its worker', async () => {
    const { redis, env, repo, worker } = await setup(treePackages(30));
    const a = await worker('worker-a');
    const b = await worker('worker-b');
    const coordinator = clone(repo);
    const run = runOrch(['run', 'build', '--distribute', redis.url, '--workers-min', '2', '--summarize', 'summary.json'], coordinator, { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/internal error|Error:/);
    expect(run.code, `${run.stderr}\nworker-a:\n${a.output()}\nworker-b:\n${b.output()}`).toBe(0);

    // Run exactly once, by the workers; the coordinator ran nothing itself.
    const ran = [...runs(a.dir), ...runs(b.dir)];
    expect(ran.sort()).toEqual(Object.keys(treePackages(30)).sort());
    expect(runs(coordinator)).toEqual([]);

    // The coordinator's tree is the tree of a local run (outputs restored from the remote cache).
    const local = clone(repo);
    expect(runOrch(['run', 'build', '--cache=remote:off'], local, env, { timeoutMs: 300_000 }).code).toBe(0);
    expect(outputs(coordinator)).toEqual(outputs(local));
    expect(Object.values(outputs(coordinator))).not.toContain('(none)');

    // Output came live with the worker's name; the summary names each task's worker.
    expect(run.stdout + run.stderr).toMatch(/pkg29#build: \[worker-[ab]\] built pkg29/);
    const summary = JSON.parse(readFileSync(join(coordinator, 'summary.json'), 'utf8')) as { tasks: { taskId: string; worker: string | null }[] };
    expect(new Set(summary.tasks.map((task) => task.worker))).toEqual(new Set(['worker-a', 'worker-b']));
    for (const task of summary.tasks) expect(task.worker).toBe(runs(a.dir).includes(task.taskId.split('#')[0]!) ? 'worker-a' : 'worker-b');
    // So does the session log, which `orch status` reads.
    const status = runOrch(['status'], coordinator, env).stdout;
    expect(status).toContain(`worker worker-a: ${runs(a.dir).length} task`);
    expect(status).toContain(`worker worker-b: ${runs(b.dir).length} task`);

    // The run's queue is gone: no job is left behind.
    await noQueueLeft(redis);
  }, 600_000);

  it('a worker killed with SIGKILL mid-task: the queue gives the job back and the other worker completes it', async () => {
    const { redis, env, repo, worker } = await setup({ base: [], slow: ['base'] });
    const a = await worker('worker-a');
    const b = await worker('worker-b');
    const coordinator = clone(repo);
    const run = startOrch(['run', 'build', '--distribute', redis.url, '--workers-min', '2', '--summarize', 'summary.json'], coordinator, env);
    await waitFor(() => existsSync(join(a.dir, 'started-slow')) || existsSync(join(b.dir, 'started-slow')), 120_000, 'slow#build to start on a worker');
    const [victim, survivor] = existsSync(join(a.dir, 'started-slow')) ? [a, b] : [b, a];
    victim.child.kill('SIGKILL');
    await victim.exited;
    // The killed worker's task process lives on (its own process group): let it end.
    writeFileSync(join(victim.dir, 'go'), '');
    await waitFor(() => existsSync(join(survivor.dir, 'started-slow')), 120_000, 'slow#build to start again on the other worker');
    writeFileSync(join(survivor.dir, 'go'), '');
    const result = await run.exited;
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`slow#build: worker ${victim.name} stopped answering`);
    expect(existsSync(join(coordinator, 'p', 'slow', 'dist', 'index.js'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(coordinator, 'summary.json'), 'utf8')) as { tasks: { taskId: string; worker: string | null; status: string }[] };
    expect(summary.tasks.find((task) => task.taskId === 'slow#build')).toMatchObject({ status: 'succeeded', worker: survivor.name });
  }, 600_000);

  it('a task that fails on a worker fails the run, with its log', async () => {
    const { redis, env, repo, worker } = await setup({ base: [], broken: ['base'], after: ['broken'] });
    await worker('worker-a');
    const run = runOrch(['run', 'build', '--distribute', redis.url], clone(repo), { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('broken#build: [worker-a] broken: the compiler says no');
    expect(run.stderr).toMatch(/✖ broken#build/);
    expect(run.stderr).toContain('on worker worker-a: exited with code 3');
    expect(run.stderr).not.toMatch(/✔ after#build/);
    await noQueueLeft(redis);
  }, 600_000);

  it("a task's retry policy is its job's attempts: a failed attempt goes back to the queue and runs again", async () => {
    const { redis, env, repo, worker } = await setup({ flaky: [] }, { retry: { maxAttempts: 2, initialInterval: '100ms' } });
    const a = await worker('worker-a');
    const run = runOrch(['run', 'build', '--distribute', redis.url], clone(repo), { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code).toBe(0);
    expect(runs(a.dir)).toEqual(['flaky', 'flaky']);
    expect(run.stdout + run.stderr).toContain('flaky#build: [worker-a] flaky: first attempt fails');
    expect(run.stderr).toContain('flaky#build: attempt 2 on worker worker-a');
  }, 600_000);

  it('Ctrl-C on the coordinator removes the waiting job, ends the running task on its worker, and exits 130 leaving nothing behind', async () => {
    const { redis, env, repo, worker } = await setup({ slow: [], slow2: [] });
    const a = await worker('worker-a');
    const coordinator = clone(repo);
    const run = startOrch(['run', 'build', '--distribute', redis.url], coordinator, env);
    await waitFor(() => existsSync(join(a.dir, 'started-slow')) || existsSync(join(a.dir, 'started-slow2')), 120_000, 'a slow task to start on the worker');
    const pidFile = ['started-slow', 'started-slow2'].map((name) => join(a.dir, name)).find((file) => existsSync(file))!;
    const taskPid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(taskPid)).toBe(true);
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    await waitFor(() => !alive(taskPid), 60_000, 'the task process on the worker to end');
    // One task ran (then was stopped); the other never started anywhere.
    expect(runs(a.dir)).toHaveLength(1);
    await noQueueLeft(redis);
    await waitFor(() => a.output().includes('cancelled by its coordinator'), 30_000, 'the worker to say the job was cancelled');
    expect(a.child.exitCode).toBe(null);
  }, 600_000);

  it('a coordinator killed with kill -9 is resumed by `orch resume`, which reattaches to the job still running on a worker', async () => {
    const { redis, env, a, coordinator } = await killedWhileSlowRuns({ base: [], slow: ['base'] });
    const resumed = startOrch(['resume'], coordinator, env);
    // The job the killed coordinator queued is still running: resume waits for it, never queues it again.
    await waitFor(() => resumed.output().includes('running 2 tasks') || resumed.child.exitCode !== null, 120_000, 'the resumed run to start');
    writeFileSync(join(a.dir, 'go'), '');
    const result = await resumed.exited;
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(runs(a.dir)).toEqual(['base', 'slow']);
    expect(existsSync(join(coordinator, 'p', 'slow', 'dist', 'index.js'))).toBe(true);
    // The summary's parts add up to the total: base is done before, not also succeeded (findings 16 #10).
    expect(result.stderr).toMatch(/Tasks:\s+1 succeeded, 1 done before \(2 total\)/);
    await noQueueLeft(redis);
  }, 600_000);

  it('orch resume after the coordinator was killed: a task a worker finished meanwhile, and one done before, are shown with their worker (output prefix, summary, status)', async () => {
    const { redis, env, a, coordinator } = await killedWhileSlowRuns({ base: [], slow: ['base'], top: ['slow'] });
    // slow#build ends while no coordinator follows it: its output and result wait in the queue.
    writeFileSync(join(a.dir, 'go'), '');
    await waitFor(() => a.output().includes('slow#build succeeded'), 120_000, () => `slow#build to finish on the worker: ${a.output()}`);
    const resumed = runOrch(['resume', '--summarize', 'summary.json'], coordinator, { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(resumed.stderr).not.toMatch(/internal error/);
    expect(resumed.code).toBe(0);
    // Answered by the job the worker finished, not run again, and printed as the worker printed it.
    expect(runs(a.dir)).toEqual(['base', 'slow', 'top']);
    expect(resumed.stdout + resumed.stderr).toContain('slow#build: [worker-a] built slow');
    expect(resumed.stdout + resumed.stderr).not.toMatch(/slow#build: built slow/);
    expect(readFileSync(join(coordinator, 'p', 'slow', 'dist', 'index.js'), 'utf8')).toContain('// slow');
    // The summary names the worker of every task, the one done before the kill too.
    const summary = JSON.parse(readFileSync(join(coordinator, 'summary.json'), 'utf8')) as { tasks: { taskId: string; worker: string | null }[] };
    expect(Object.fromEntries(summary.tasks.map((task) => [task.taskId, task.worker]))).toEqual({ 'base#build': 'worker-a', 'slow#build': 'worker-a', 'top#build': 'worker-a' });
    expect(runOrch(['status'], coordinator, env).stdout).toContain('worker worker-a: 3 tasks');
    await noQueueLeft(redis);
  }, 600_000);

  it("a worker's outputs the coordinator cannot restore (another signing key) fail the run, naming the task and the worker", async () => {
    const { redis, env, repo, worker } = await setup({ base: [], top: ['base'] });
    await worker('worker-a');
    const coordinator = clone(repo);
    const run = runOrch(['run', 'build', '--distribute', redis.url], coordinator, { ...env, CACHE_KEY: 'another key', CI: '1' }, { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/internal error|Unhandled/);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('base#build ran on worker worker-a, but its outputs could not be downloaded');
    expect(run.stderr).toMatch(/Failed: base#build at execute: base#build ran on worker worker-a, but its outputs could not be downloaded/);
    expect(existsSync(join(coordinator, 'p', 'base', 'dist', 'index.js'))).toBe(false);
    await noQueueLeft(redis);
  }, 600_000);

  it('a worker opens its checkout once per run but hashes each job afresh: a file that appeared since its last job makes it refuse the next one', async () => {
    const { redis, env, repo, worker } = await setup({ slow: [], next: ['slow'] });
    const a = await worker('worker-a');
    const run = startOrch(['run', 'build', '--distribute', redis.url], clone(repo), env);
    await waitFor(() => existsSync(join(a.dir, 'started-slow')), 120_000, 'slow#build to start on the worker');
    // Untracked, so `git status --untracked-files=no` does not see it; but it is one of next#build's inputs.
    writeFileSync(join(a.dir, 'p', 'next', 'src', 'extra.js'), 'module.exports = "not in the commit";\n');
    writeFileSync(join(a.dir, 'go'), '');
    const result = await run.exited;
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/this worker computes the hash \w+ for next#build, the coordinator \w+: the checkouts differ/);
    expect(runs(a.dir)).toEqual(['slow']);
    await noQueueLeft(redis);
  }, 600_000);

  it('a worker stopped with SIGTERM finishes its running job, then exits 0', async () => {
    const { redis, env, repo, worker } = await setup({ slow: [] });
    const a = await worker('worker-a');
    const run = startOrch(['run', 'build', '--distribute', redis.url], clone(repo), env);
    await waitFor(() => existsSync(join(a.dir, 'started-slow')), 120_000, 'slow#build to start on the worker');
    a.child.kill('SIGTERM');
    await waitFor(() => a.output().includes('finishing the running jobs'), 30_000, 'the worker to say it is stopping');
    writeFileSync(join(a.dir, 'go'), '');
    expect((await a.exited).code).toBe(0);
    const result = await run.exited;
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain('slow#build: [worker-a] built slow');
  }, 600_000);

  it('a queue that stays unreachable fails the run after ORCH_QUEUE_TIMEOUT, naming it', async () => {
    const { redis, env, repo, worker } = await setup({ slow: [] });
    const a = await worker('worker-a');
    const run = startOrch(['run', 'build', '--distribute', redis.url], clone(repo), { ...env, ORCH_QUEUE_TIMEOUT: '3s' });
    await waitFor(() => existsSync(join(a.dir, 'started-slow')), 120_000, 'slow#build to start on the worker');
    redis.stop();
    const result = await run.exited;
    writeFileSync(join(a.dir, 'go'), '');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the queue ${redis.url} (run-`);
    expect(result.stderr).toMatch(/could not be reached for 3s/);
    expect(result.stderr).not.toMatch(/internal error|Unhandled/);
  }, 600_000);

  it('Redis restarted without its data mid-run: the coordinator queues the unfinished tasks again and the run completes (findings 16 #3)', async () => {
    const { redis, env, repo, worker } = await setup({ slow: [], top: ['slow'] });
    const a = await worker('worker-a');
    const run = startOrch(['run', 'build', '--distribute', redis.url], clone(repo), env);
    await waitFor(() => existsSync(join(a.dir, 'started-slow')), 120_000, 'slow#build to start on the worker');
    await redis.restart();
    await waitFor(() => run.output().includes('lost this run (Redis restarted without its data): queuing the 1 unfinished tasks again'), 120_000, 'the coordinator to queue the task again');
    writeFileSync(join(a.dir, 'go'), '');
    const result = await run.exited;
    expect(result.stderr).not.toMatch(/internal error|Unhandled/);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain('[worker-a] built top');
    await noQueueLeft(redis);
  }, 600_000);

  it('--workers-min: the coordinator says it waits for workers, and Ctrl-C meanwhile ends the run with 130 and no job left', async () => {
    const { redis, env, repo } = await setup({ base: [] });
    const run = startOrch(['run', 'build', '--distribute', redis.url, '--workers-min', '2'], clone(repo), env);
    await waitFor(() => run.output().includes(`waiting for 2 workers on ${redis.url} (0 connected)`), 120_000, 'the coordinator to say it waits');
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    await noQueueLeft(redis);
  }, 600_000);

  it('a worker at another commit takes none of the run\'s jobs: the run warns once and waits for a worker that fits; after a checkout, it reads HEAD again and serves (findings 16 #4, #5)', async () => {
    const { redis, env, repo, worker } = await setup({ base: [] });
    const behind = clone(repo);
    writeFileSync(join(behind, 'p', 'base', 'src', 'index.js'), 'module.exports = "changed";\n');
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'elsewhere'], { cwd: behind });
    const theirs = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: behind, encoding: 'utf8' }).trim();
    const ours = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const a = await worker('worker-behind', behind);
    const b = await worker('worker-b');
    const first = runOrch(['run', 'build', '--distribute', redis.url, '--workers-min', '2'], clone(repo), { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(first.code).toBe(0);
    expect(first.stdout + first.stderr).toContain('[worker-b] built base');
    expect(runs(behind)).toEqual([]);
    expect(runs(b.dir)).toEqual(['base']);

    // Alone, the worker at another commit: the run waits, saying why, until the worker checks out the run's commit.
    b.child.kill('SIGKILL');
    await b.exited;
    const second = startOrch(['run', 'build', '--distribute', redis.url, '--force'], clone(repo), env);
    await waitFor(() => second.output().includes(`worker worker-behind is at commit ${theirs}, the run at ${ours}`), 120_000, 'the coordinator to say the worker is at another commit');
    expect(a.output()).toContain(`takes no jobs: worker worker-behind is at commit ${theirs}, the run at ${ours}`);
    execFileSync('git', ['checkout', '-q', ours], { cwd: behind });
    const result = await second.exited;
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain('[worker-behind] built base');
    expect(result.stdout.split('is at commit').length - 1 + result.stderr.split('is at commit').length - 1).toBe(1);
    await noQueueLeft(redis);
  }, 600_000);

  it('a worker with uncommitted changes to tracked files takes no jobs, naming the files, until they are set aside (findings 16 #2)', async () => {
    const { redis, env, repo, worker } = await setup({ base: [] });
    const dirty = clone(repo);
    // The build script is not a declared input of the task: the hash cannot see this change.
    writeFileSync(join(dirty, 'build.cjs'), `require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/index.js', 'POISON');\n`);
    const a = await worker('worker-dirty', dirty);
    const coordinator = clone(repo);
    const run = startOrch(['run', 'build', '--distribute', redis.url], coordinator, env);
    await waitFor(() => run.output().includes('worker worker-dirty has uncommitted changes to build.cjs'), 120_000, 'the coordinator to name the uncommitted file');
    expect(run.output()).toContain('git stash');
    expect(a.output()).toContain('takes no jobs: worker worker-dirty has uncommitted changes to build.cjs');
    execFileSync('git', ['checkout', '--', 'build.cjs'], { cwd: dirty });
    const result = await run.exited;
    expect(result.code).toBe(0);
    expect(readFileSync(join(coordinator, 'p', 'base', 'dist', 'index.js'), 'utf8')).toContain('module.exports = "base"');
    expect(runs(dirty)).toEqual(['base']);
  }, 600_000);

  it('--local: the coordinator runs tasks itself too, and uploads them before a worker needs their outputs', async () => {
    const { redis, env, repo, worker } = await setup({ base: [], left: ['base'], right: ['base'], top: ['left', 'right'] });
    const a = await worker('worker-a');
    const coordinator = clone(repo);
    const run = runOrch(['run', 'build', '--distribute', redis.url, '--local', '--concurrency', '1', '--summarize', 'summary.json'], coordinator, { ...env, CI: '1' }, { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code).toBe(0);
    // Each task ran once, here or on the worker; with one local slot, left and right ran side by side (one here, one there).
    expect([...runs(coordinator), ...runs(a.dir)].sort()).toEqual(['base', 'left', 'right', 'top']);
    expect(runs(coordinator).length).toBeGreaterThan(0);
    expect(runs(a.dir).length).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(coordinator, 'summary.json'), 'utf8')) as { tasks: { taskId: string; worker: string | null }[] };
    for (const task of summary.tasks) expect(task.worker).toBe(runs(a.dir).includes(task.taskId.split('#')[0]!) ? 'worker-a' : null);
    expect(Object.values(outputs(coordinator))).not.toContain('(none)');

    // `orch metrics` says which worker ran each task (findings 16 #9).
    const metrics = runOrch(['metrics', '--json'], coordinator, env);
    expect(metrics.code).toBe(0);
    const tasks = (JSON.parse(metrics.stdout) as { tasks: { id: string; workers: string[] }[] }).tasks;
    for (const task of tasks) expect(task.workers).toEqual(runs(a.dir).includes(task.id.split('#')[0]!) ? ['worker-a'] : []);
    const table = runOrch(['metrics'], coordinator, env).stdout;
    expect(table).toMatch(/TASK .* WORKERS/);
    expect(table.split('\n').filter((line) => line.trimEnd().endsWith(' worker-a'))).toHaveLength(runs(a.dir).length);
  }, 600_000);

  it('is refused at start without a remote cache, saying why', async () => {
    const { redis } = await setup({ base: [] });
    const dir = commitAll(tempRepo({ 'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }), 'p/base/package.json': JSON.stringify({ name: 'base', scripts: { build: 'node -e 1' } }) }));
    const run = runOrch(['run', 'build', '--distribute', redis.url], dir, { CI: '1' }, { timeoutMs: 120_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--distribute needs a remote cache: workers send the outputs of the tasks they run through it');
    expect(run.stderr).toContain('configure cache.remote');
  }, 300_000);

  it('refuses a queue URL that holds a password (it would be recorded and shown by ps)', () => {
    const run = runOrch(['run', 'build', '--distribute', 'redis://:secret@127.0.0.1:6379'], tempRepo({ 'package.json': '{"name":"x","scripts":{"build":"node -e 1"}}' }), { CI: '1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--distribute: the URL holds credentials');
    expect(run.stderr).toContain('ORCH_QUEUE_PASSWORD');
    expect(run.stderr).not.toContain('secret');
  });
});

describe('a queue that cannot be used is said at once, in orch\'s words (findings 16 #1, #6, #7, #8)', () => {
  const failsClearly = (result: { code: number; stderr: string }) => {
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\[WARN\]|DeprecationWarning|internal error|Unhandled|    at /);
  };

  it('a coordinator whose queue is not there fails after ORCH_QUEUE_TIMEOUT naming it, exit 2 (as the worker)', async () => {
    const { env, repo } = await setup({ base: [] });
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [['run', 'build', '--distribute', url, '--force'], ['worker', '--queue', url]]) {
      const result = runOrch(args, clone(repo), { ...env, ORCH_QUEUE_TIMEOUT: '3s' }, { timeoutMs: 120_000 });
      failsClearly(result);
      expect(result.stderr).toContain(`the queue ${url} could not be reached for 3s`);
      expect(result.stderr).toContain('ECONNREFUSED');
    }
    // A signal ends the wait at once, well before the limit (10 minutes here).
    const waiting = startOrch(['run', 'build', '--distribute', url], clone(repo), { ...env, ORCH_QUEUE_TIMEOUT: '10m' });
    await waitFor(() => waiting.output().includes(`waiting for the queue ${url} (connect ECONNREFUSED`), 60_000, 'the coordinator to say it waits for the queue');
    waiting.child.kill('SIGTERM');
    const stopped = await waiting.exited;
    failsClearly(stopped);
    expect(stopped.stderr).toContain(`the queue ${url} could not be reached for`);
  }, 600_000);

  it('a Redis with a password: none set, a wrong one, and the right one', async () => {
    const { redis, env, repo } = await setup({ base: [] }, {}, { password: 'queue secret' });
    const dir = clone(repo);
    for (const args of [['run', 'build', '--distribute', redis.url], ['worker', '--queue', redis.url]]) {
      const none = runOrch(args, dir, { ...env, ORCH_QUEUE_TIMEOUT: '30s' }, { timeoutMs: 120_000 });
      failsClearly(none);
      expect(none.stderr).toContain(`the queue ${redis.url}: authentication required`);
      expect(none.stderr).toContain('set ORCH_QUEUE_PASSWORD');
      const wrong = runOrch(args, dir, { ...env, ORCH_QUEUE_PASSWORD: 'guess', ORCH_QUEUE_TIMEOUT: '30s' }, { timeoutMs: 120_000 });
      failsClearly(wrong);
      expect(wrong.stderr).toContain(`the queue ${redis.url}: authentication failed`);
      expect(wrong.stderr).toContain('set ORCH_QUEUE_PASSWORD');
      expect(wrong.stderr + wrong.stdout).not.toContain('guess');
    }
    const worker = startOrch(['worker', '--queue', redis.url, '--name', 'worker-a'], clone(repo), { ...env, ORCH_QUEUE_PASSWORD: 'queue secret' });
    workers.push(worker);
    const run = runOrch(['run', 'build', '--distribute', redis.url], dir, { ...env, ORCH_QUEUE_PASSWORD: 'queue secret', CI: '1' }, { timeoutMs: 300_000 });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('[worker-a] built base');
  }, 600_000);

  it('a password the server does not need: one orch warning, no library output, and the run works', async () => {
    const { redis, env, repo } = await setup({ base: [] });
    const withPassword = { ...env, ORCH_QUEUE_PASSWORD: 'not needed' };
    const worker = startOrch(['worker', '--queue', redis.url, '--name', 'worker-a'], clone(repo), withPassword);
    workers.push(worker);
    await waitFor(() => worker.output().includes('as worker-a'), 60_000, 'the worker to start');
    const run = runOrch(['run', 'build', '--distribute', redis.url], clone(repo), { ...withPassword, CI: '1' }, { timeoutMs: 300_000 });
    expect(run.code).toBe(0);
    for (const output of [run.stdout + run.stderr, worker.output()]) {
      expect(output).not.toContain('[WARN]');
      expect(output.split(`the queue ${redis.url} needs no password`).length - 1).toBe(1);
    }
  }, 600_000);

  it('rediss:// to a server without TLS: a TLS hint, no Node warning', async () => {
    const { redis, env, repo } = await setup({ base: [] });
    const tls = redis.url.replace('redis://', 'rediss://');
    for (const args of [['run', 'build', '--distribute', tls], ['worker', '--queue', tls]]) {
      const result = runOrch(args, clone(repo), { ...env, ORCH_QUEUE_TIMEOUT: '30s' }, { timeoutMs: 120_000 });
      failsClearly(result);
      expect(result.stderr).toContain(`the queue ${tls}: the TLS connection failed`);
      expect(result.stderr).toContain(`for a server without TLS use ${redis.url}`);
    }
  }, 600_000);
});
