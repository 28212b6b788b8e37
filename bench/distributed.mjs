// `pnpm bench distributed` (named only: it starts Redis, the remote cache and three orch
// processes, and takes a minute or two): the 100-package cold build run locally, then by a
// coordinator and two `orch worker` processes, each in its own clone, on this machine.
//
// This machine's cores are shared by everything, so the figures are not a speed-up: they say
// what distribution costs. Per task, from the coordinator's session log and the queue's own
// event stream (Redis stream ids carry the server's clock, one clock for all three processes):
//   - coordination overhead: the task's time on the coordinator (started → finished) minus the
//     worker's job (taken → completed): hashing and queueing, the pick-up, the result's way back
//     and the restore from the remote cache (target: under 15 ms);
//   - the worker's own cost around the task: its job minus the task's pipeline time (opening
//     the workspace afresh, planning, restoring the dependencies' outputs, the upload);
//   - dependency finished (on the coordinator) → the task started on a worker: p50 / p95.
//
//   BENCH_DISTRIBUTED_SIZE=100 (packages), BENCH_DISTRIBUTED_WORKERS=2
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkspace } from './genWorkspace.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const orchBin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const size = Number(process.env.BENCH_DISTRIBUTED_SIZE ?? 100);
const workerCount = Number(process.env.BENCH_DISTRIBUTED_WORKERS ?? 2);
const requireFromCli = createRequire(join(root, 'packages', 'cli', 'package.json'));
const { QueueEvents } = requireFromCli('bullmq');

const work = mkdtempSync(join(tmpdir(), 'orch-bench-distributed-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value) => `${value.toFixed(1)} ms`;

// Redis and the remote cache, on loopback.
const redisPort = await freePort();
children.push(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
const cachePort = await freePort();
const token = 'bench-token';
mkdtempSync(join(work, 'storage-'));
children.push(
  spawn(process.execPath, [join(root, 'node_modules', 'turborepo-remote-cache', 'dist', 'cli.js')], {
    env: { ...process.env, PORT: String(cachePort), TURBO_TOKEN: token, STORAGE_PROVIDER: 'local', STORAGE_PATH: join(work, 'storage'), NODE_ENV: 'production', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  }),
);
for (let ready = false; !ready; await sleep(100)) {
  ready = await fetch(`http://127.0.0.1:${cachePort}/v8/artifacts/status?slug=bench`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.ok, () => false);
}
const queueUrl = `redis://127.0.0.1:${redisPort}`;

// The workspace, with the remote cache configured, committed; a clone per process.
const origin = join(work, 'origin');
generateWorkspace(origin, size);
const config = JSON.parse(readFileSync(join(origin, 'orchestrator.config.json'), 'utf8'));
config.cache = { remote: { url: `http://127.0.0.1:${cachePort}`, team: 'bench', signatureKeyEnv: 'BENCH_CACHE_KEY' } };
writeFileSync(join(origin, 'orchestrator.config.json'), JSON.stringify(config, null, 2));
execFileSync('git', ['-c', 'user.email=bench@orch', '-c', 'user.name=bench', 'commit', '-qam', 'remote cache'], { cwd: origin });
const clone = (name) => {
  const dir = join(work, name);
  execFileSync('git', ['clone', '-q', origin, dir]);
  return dir;
};
const env = (dir) => ({ ...process.env, CI: '1', ORCH_REMOTE_CACHE_TOKEN: token, BENCH_CACHE_KEY: 'bench key', BENCH_TASKLOG: join(dir, 'tasks.log') });
const ran = (dir) => readFileSync(join(dir, 'tasks.log'), 'utf8').trim().split('\n').filter(Boolean);

// Local: the cold build, the remote cache off.
const local = clone('local');
let start = performance.now();
let result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--cache=remote:off', '--reporter', 'silent'], { cwd: local, env: env(local), stdio: 'ignore' });
if (result.status !== 0) throw new Error(`local orch run build failed (${result.status})`);
const localMs = performance.now() - start;

// Distributed: workers first, then the coordinator, watched through the queue's events.
const workers = [];
for (let n = 1; n <= workerCount; n++) {
  const dir = clone(`worker-${n}`);
  const child = spawn(process.execPath, [orchBin, 'worker', '--queue', queueUrl, '--name', `bench-${n}`], { cwd: dir, env: env(dir), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let said = '';
  child.stderr.on('data', (chunk) => (said += chunk));
  while (!said.includes(' as bench-')) await sleep(50);
  workers.push(dir);
}
const coordinator = clone('coordinator');
const session = `bench-${Date.now()}`;
const events = new QueueEvents(`run-${session}`, { connection: { host: '127.0.0.1', port: redisPort }, prefix: 'orch' });
await events.waitUntilReady();
const jobs = new Map();
const at = (id) => Number(String(id).split('-')[0]);
const job = (jobId) => jobs.get(jobId) ?? jobs.set(jobId, {}).get(jobId);
events.on('added', ({ jobId }, id) => (job(jobId).added ??= at(id)));
events.on('active', ({ jobId }, id) => (job(jobId).active ??= at(id)));
events.on('progress', ({ jobId, data }, id) => {
  if (data?.kind === 'started') job(jobId).started ??= at(id);
});
events.on('completed', ({ jobId, returnvalue }, id) => {
  const result = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
  Object.assign(job(jobId), { completed: at(id), task: result.id, taskMs: result.durationMs });
});
start = performance.now();
// Not spawnSync: the queue's events are read while the run goes (the queue is removed at its end).
const status = await new Promise((resolve) => {
  const child = spawn(process.execPath, [orchBin, 'run', 'build', '--distribute', queueUrl, '--workers-min', String(workerCount), '--reporter', 'silent'], {
    cwd: coordinator,
    env: { ...env(coordinator), ORCH_SESSION_ID: session },
    stdio: 'ignore',
  });
  child.on('close', resolve);
});
const distributedMs = performance.now() - start;
if (status !== 0) throw new Error(`orch run build --distribute failed (${status})`);
await events.close();

// Every task exactly once, by the workers.
const byWorkers = workers.flatMap(ran);
if (byWorkers.length !== size || new Set(byWorkers).size !== size) throw new Error(`expected each of ${size} tasks once on the workers, got ${byWorkers.length} runs`);

// The coordinator's view: when each task started and finished, and its dependencies.
const log = readFileSync(join(coordinator, '.orch', 'sessions', session, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const startedAt = new Map(log.filter((e) => e.type === 'task-started').map((e) => [e.id, e.t]));
const finishedAt = new Map(log.filter((e) => e.type === 'task-finished').map((e) => [e.outcome.id, e.t]));
const plan = log.find((e) => e.type === 'run-started').tasks;
const executeMs = new Map(log.filter((e) => e.type === 'task-stage' && e.stage === 'execute').map((e) => [e.id, e.durationMs]));
const overhead = [];
const roundTrip = [];
const aroundTask = [];
const latency = [];
const beforeQueue = [];
const pickUp = [];
const waiting = [];
for (const { task, added, active, started, completed, taskMs } of jobs.values()) {
  if (!task || active === undefined || completed === undefined) continue;
  overhead.push(finishedAt.get(task) - startedAt.get(task) - (completed - active));
  roundTrip.push(executeMs.get(task) - (completed - added));
  waiting.push(active - added);
  aroundTask.push(completed - active - taskMs);
  const dependencies = plan.find((p) => p.id === task).dependencies;
  const ready = dependencies.length === 0 ? startedAt.get(task) : Math.max(...dependencies.map((d) => finishedAt.get(d)));
  latency.push(started - ready);
  beforeQueue.push(added - ready);
  pickUp.push(started - active);
}
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

console.log(`distributed ${size}: cold build, ${workerCount} workers, each process in its own clone, on ${(await import('node:os')).availableParallelism()} cores`);
console.log(`  local orch run build                         ${ms(localMs)}`);
console.log(`  coordinator + ${workerCount} workers                      ${ms(distributedMs)}  (${(distributedMs / localMs).toFixed(2)}x local)`);
const line = (label, values) => console.log(`  ${label.padEnd(52)} p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}, mean ${ms(mean(values))}`);
line('coordination per task: add, result back, restore', roundTrip);
line('waiting in the queue for a free worker', waiting);
line('all of the task on the coordinator − the job', overhead);
line("worker's cost around a task (open, restore deps)", aroundTask);
line('dependency finished → started on a worker', latency);
line('  of which: pre-gates, hash, cache lookups, add', beforeQueue);
line('  of which: in the queue (all workers busy)', waiting);
line('  of which: taken → started by the worker', pickUp);
console.log(`  (${latency.length} tasks; the pre-execution stages run in a local run too; target for coordination: < 15 ms per task)`);
process.exit(0);
