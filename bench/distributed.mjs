// `pnpm bench distributed` (named only: it starts Redis, the remote cache and three orch
// processes, and takes a minute or two): the 100-package cold build run locally, then by a
// coordinator and two `orch worker` processes, each in its own clone, on this machine.
//
// This machine's cores are shared by everything, so the figures are not a speed-up: they say
// what distribution costs. Per task, from the coordinator's session log and the queue's own
// event stream (Redis stream ids carry the server's clock, and all processes run here: one
// clock for all):
//   - coordination per task: the task's time on the coordinator (task-started → task-finished)
//     minus its job's time in the queue (added → completed: waiting for a free worker, and the
//     worker's own work). What is left is what the coordinator adds: pre-gates, hashing, the
//     cache lookups and the add, then the result's way back and the end of the task (target:
//     under 15 ms); the restore of the outputs runs in the background, off this path;
//   - dependency finished (on the coordinator) → the task started on a worker: p50 / p95, and
//     the same without the wait for a free worker (2 workers, 100 tasks: most wait);
//   - the worker's own cost around the task: its job minus the task's pipeline time (planning,
//     hashing, restoring the dependencies' outputs, the upload).
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
/** What each worker said on stderr. */
const said = [];
for (let n = 1; n <= workerCount; n++) {
  const dir = clone(`worker-${n}`);
  const child = spawn(process.execPath, [orchBin, 'worker', '--queue', queueUrl, '--name', `bench-${n}`], { cwd: dir, env: env(dir), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  const index = said.push('') - 1;
  child.stderr.on('data', (chunk) => (said[index] += chunk));
  while (!said[index].includes(' as bench-')) await sleep(50);
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
if (status !== 0) {
  const failed = readFileSync(join(coordinator, '.orch', 'sessions', session, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((e) => e.type === 'warning' || (e.type === 'task-finished' && e.outcome.status === 'failed'));
  const warnings = said.flatMap((text) => text.split('\n').filter((line) => line.includes('warning') || line.includes('refused')));
  throw new Error(`orch run build --distribute failed (${status}):\n${failed.map((e) => e.message ?? `${e.outcome.id}: ${e.outcome.error}`).join('\n')}\nworkers:\n${warnings.join('\n')}`);
}
await events.close();

// Every task exactly once, by the workers.
const byWorkers = workers.flatMap(ran);
if (byWorkers.length !== size || new Set(byWorkers).size !== size) throw new Error(`expected each of ${size} tasks once on the workers, got ${byWorkers.length} runs`);

// The coordinator's view: when each task started and finished, and its dependencies.
const log = readFileSync(join(coordinator, '.orch', 'sessions', session, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const startedAt = new Map(log.filter((e) => e.type === 'task-started').map((e) => [e.id, e.t]));
const finishedAt = new Map(log.filter((e) => e.type === 'task-finished').map((e) => [e.outcome.id, e.t]));
const plan = log.find((e) => e.type === 'run-started').tasks;
const stage = (name) => new Map(log.filter((e) => e.type === 'task-stage' && e.stage === name).map((e) => [e.id, e]));
const [preGates, deploy] = [stage('preGates'), stage('deploy')];
/** Each figure's values, one per task, by name. */
const figures = {};
const record = (name, value) => (figures[name] ??= []).push(value);
for (const { task, added, active, started, completed, taskMs } of jobs.values()) {
  if (!task || added === undefined || active === undefined || completed === undefined || started === undefined) continue;
  const dependencies = plan.find((p) => p.id === task).dependencies;
  const ready = dependencies.length === 0 ? startedAt.get(task) : Math.max(...dependencies.map((d) => finishedAt.get(d)));
  record('coordination', finishedAt.get(task) - startedAt.get(task) - (completed - added));
  record('beforeAdd', added - startedAt.get(task));
  record('gatesMs', preGates.get(task).durationMs);
  record('deployMs', deploy.get(task).durationMs);
  record('deployToAdd', added - deploy.get(task).t);
  record('afterCompleted', finishedAt.get(task) - completed);
  record('scheduling', startedAt.get(task) - ready);
  record('latency', started - ready);
  record('latencyFree', started - ready - (active - added));
  record('waiting', active - added);
  record('pickUp', started - active);
  record('aroundTask', completed - active - taskMs);
}
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

console.log(`distributed ${size}: cold build, ${workerCount} workers, each process in its own clone, on ${(await import('node:os')).availableParallelism()} cores`);
console.log(`  local orch run build                         ${ms(localMs)}`);
console.log(`  coordinator + ${workerCount} workers                      ${ms(distributedMs)}  (${(distributedMs / localMs).toFixed(2)}x local)`);
const line = (label, values) => console.log(`  ${label.padEnd(58)} p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}, mean ${ms(mean(values))}`);
const shown = [
  ['coordination per task (target < 15 ms)', 'coordination'],
  ['  of which: started → job added (gates, hash, lookups, add)', 'beforeAdd'],
  ['    pre-execution gates', 'gatesMs'],
  ['    deploy: hash, local and remote cache lookups', 'deployMs'],
  ['    deployed → job added (checkpoint, add)', 'deployToAdd'],
  ['  of which: job completed → task finished (result back)', 'afterCompleted'],
  ['dependency finished → task started on the coordinator', 'scheduling'],
  ['dependency finished → started on a worker', 'latency'],
  ['  the same, the wait for a free worker aside', 'latencyFree'],
  ['  of which: in the queue (all workers busy)', 'waiting'],
  ['  of which: taken → started by the worker', 'pickUp'],
  ["worker's cost around a task (plan, hash, deps, upload)", 'aroundTask'],
];
for (const [label, key] of shown) line(label, figures[key]);
console.log(`  (${figures.coordination.length} tasks)`);
process.exit(0);
