#!/usr/bin/env node
// orch's benchmarks. Generates its own inputs under bench/.work/ and prints medians.
//
//   node bench/run.mjs            all benchmarks
//   node bench/run.mjs startup    only those whose name contains "startup"
//   BENCH_SIZES=100 node bench/run.mjs run    the run benchmarks on 100 packages only
//   node bench/run.mjs output     orch's peak memory while a task prints 200 MB (to a file, into pipes)
//   BENCH_BASELINE=/other/checkout/packages/cli/dist/bin.js node bench/run.mjs env
//                                 the environment's cost, beside another build of orch
//   node bench/run.mjs lockfile   what lockfile closures cost (BENCH_LOCKFILE_SIZE, BENCH_LOCKFILE_ROUNDS)
//   node bench/run.mjs profile    what --profile costs on a cold 500-package run (BENCH_PROFILE_SIZE, BENCH_PROFILE_ROUNDS)
//   node bench/run.mjs report     the HTML report of a 500-package run (BENCH_REPORT_SIZE): write time,
//                                 file size, and how long the system's Chromium takes to open and draw it
//   node bench/run.mjs startup    start-up beside `node -e 0`, and what each dependency costs to import
//   node bench/run.mjs peers      orch beside Turborepo at N=100 and N=500 (bench/peers.mjs; named
//                                 only: it installs Turborepo and takes minutes)
//   node bench/run.mjs distributed  a 100-package cold build locally vs a coordinator and 2 workers
//                                 (bench/distributed.mjs; named only: it starts Redis and the remote
//                                 cache): coordination overhead per task, dependency→worker latency
//   node bench/run.mjs hit        a full cache hit's cost per task (BENCH_HIT_SIZES=250,1000, BENCH_HIT_ROUNDS)
//
// Figures are wall-clock medians on this machine; compare them with `node -e 0` measured in
// the same run, never across machines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'bench', '.work');
const orchBin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const filter = process.argv[2] ?? '';
if (filter === 'peers') {
  await import('./peers.mjs');
  process.exit(0);
}
if (filter === 'distributed') await import('./distributed.mjs');

const engine = await import(join(root, 'packages', 'engine', 'dist', 'index.js'));
const plugins = await import(join(root, 'packages', 'plugins', 'dist', 'index.js'));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeIt(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * Runs node with `args` and returns its exit status and peak resident memory (MB), measured from
 * outside: GNU time's maximum RSS (from wait4) when /usr/bin/time exists, else the highest
 * VmHWM read from /proc while it runs.
 */
function peakRss(args, cwd, env) {
  if (existsSync('/usr/bin/time')) {
    const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    return { status: result.status, mb: Number(result.stderr.trim().split('\n').at(-1)) / 1024 };
  }
  const script = `const { spawn } = require('child_process'); const fs = require('fs');
const child = spawn(process.execPath, ${JSON.stringify(args)}, { stdio: 'ignore' });
let peak = 0;
const poll = setInterval(() => { try { peak = Math.max(peak, Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/' + child.pid + '/status', 'utf8'))[1])); } catch {} }, 10);
child.on('exit', (code) => { clearInterval(poll); console.log(JSON.stringify({ status: code, kb: peak })); });`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd, env, encoding: 'utf8' });
  const { status, kb } = JSON.parse(result.stdout);
  return { status, mb: kb / 1024 };
}

/**
 * Peak RSS (MB) of `node <args>` whose stdout and stderr go into a pipe read by `reader` (a shell
 * command line): `cat` takes everything at once, a slow reader holds orch's output back.
 */
function peakRssPiped(args, cwd, env, reader) {
  const measured = join(work, 'rss.txt');
  const quoted = [process.execPath, ...args].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('/bin/sh', ['-c', `/usr/bin/time -f %M -o ${measured} ${quoted} 2>&1 | ${reader}`], { cwd, env, stdio: 'ignore' });
  return { status: result.status, mb: Number(readFileSync(measured, 'utf8').trim().split('\n').at(-1)) / 1024 };
}

function timeProcess(runs, args, cwd, env = {}) {
  return timeIt(runs, () => {
    const result = spawnSync(process.execPath, args, { cwd, stdio: 'ignore', env: { ...process.env, ...env } });
    if (result.status !== 0 && !args.includes('-e')) throw new Error(`${args.join(' ')} exited ${result.status}`);
  });
}

/** A repository with `count` markdown commands in nested folders, each depending on earlier ones. */
function generateCommandTree(dir, count) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  const ids = [];
  for (let i = 0; i < count; i++) {
    const id = `family${i % 20}/group${Math.floor(i / 20) % 5}/command${i}`;
    const deps = i === 0 ? [] : [ids[Math.floor(i / 2)], ids[Math.floor(i / 3)]].filter((d, k, a) => d && a.indexOf(d) === k);
    const text = [
      '---',
      `description: Generated command ${i} for the discovery benchmark`,
      `complexity: ${['simple', 'medium', 'complex'][i % 3]}`,
      'allowed-tools: Bash(git:*), Read, Edit',
      `dependencies: [${deps.join(', ')}]`,
      '---',
      '',
      `# Command ${i}`,
      '',
      'Do the work described here. '.repeat(40),
      '',
    ].join('\n');
    mkdirSync(join(dir, '.claude', 'commands', id, '..'), { recursive: true });
    writeFileSync(join(dir, '.claude', 'commands', `${id}.md`), text);
    ids.push(id);
  }
  mkdirSync(join(dir, '.claude', 'commands', 'family0', '_shared'), { recursive: true });
  writeFileSync(join(dir, '.claude', 'commands', 'family0', '_shared', 'partial.md'), 'shared text\n');
}

async function discover(dir) {
  const { config } = await engine.loadConfig({ cwd: dir });
  const e = new engine.Engine({ config });
  await e.use(plugins.defaultPlugins());
  return e.discover();
}

function syntheticRegistry(count) {
  const commands = new Map();
  for (let i = 0; i < count; i++) {
    const deps = i === 0 ? [] : [...new Set([Math.floor((i - 1) / 2), Math.floor((i - 1) / 3)])];
    commands.set(`t${i}`, { id: `t${i}`, kind: 'config', source: 'bench', location: { file: 'bench' }, dependencies: deps.map((d) => ({ spec: `t${d}` })), metadata: { agents: [], extra: {} }, steps: [] });
  }
  return { commands, projects: new Map() };
}

const results = [];
const report = (name, ms, note = '') => {
  results.push({ name, ms });
  console.log(`${name.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms${note ? `  ${note}` : ''}`);
};
const want = (name) => name.includes(filter);

console.log(`orch benchmarks (node ${process.version}, ${(await import('node:os')).cpus().length} cores); medians\n`);

if (want('large-input')) {
  // Issue 12: both were quadratic (over 60 s and 49 s); each should stay well under 2 s.
  const wide = join(work, 'front-matter-40000-keys');
  rmSync(wide, { recursive: true, force: true });
  mkdirSync(join(wide, '.git'), { recursive: true });
  mkdirSync(join(wide, '.claude', 'commands'), { recursive: true });
  const keys = Array.from({ length: 40_000 }, (_, i) => `key${i}: value ${i}`).join('\n');
  writeFileSync(join(wide, '.claude', 'commands', 'wide.md'), `---\ndescription: wide\n${keys}\n---\nbody\n`);
  report('large-input: front matter of 40,000 keys, discover', await timeIt(5, () => discover(wide)));

  const many = join(work, 'config-20000-commands');
  rmSync(many, { recursive: true, force: true });
  mkdirSync(join(many, '.git'), { recursive: true });
  const commands = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`c${i}`, { run: `echo ${i}`, dependencies: i === 0 ? [] : [`c${i - 1}`] }]));
  writeFileSync(join(many, 'orchestrator.config.json'), JSON.stringify({ commands }, null, 1));
  report('large-input: config of 20,000 commands (a chain), load + discover + graph', await timeIt(5, async () => engine.buildTaskGraph(await discover(many))));
  const lines = Object.entries(commands).map(([id, c]) => `    ${JSON.stringify(id)}: { run: ${JSON.stringify(c.run)}, dependencies: ${JSON.stringify(c.dependencies)} },`);
  rmSync(join(many, 'orchestrator.config.json'));
  writeFileSync(join(many, 'orchestrator.config.ts'), `export default {\n  commands: {\n${lines.join('\n')}\n  },\n};\n`);
  report('large-input: the same as orchestrator.config.ts', await timeIt(5, async () => engine.buildTaskGraph(await discover(many))));
  report('large-input: orch validate, the same .ts (process)', await timeProcess(3, [orchBin, 'validate'], many));
}

if (want('discovery')) {
  const dir = join(work, 'commands-1000');
  generateCommandTree(dir, 1000);
  await discover(dir); // warm the file cache
  const ms = await timeIt(15, () => discover(dir));
  report('discovery: 1,000 command files, parse + normalise', ms, `(${(ms / 1000 * 1000).toFixed(0)} µs per file)`);
  const build = await timeIt(15, async () => engine.buildTaskGraph(await discover(dir)));
  report('discovery + graph: 1,000 commands', build);
  report('startup: orch list, 1,000 commands (process)', await timeProcess(10, [orchBin, 'list'], dir));
}

if (want('graph')) {
  const registry = syntheticRegistry(5000);
  engine.buildTaskGraph(registry);
  report('graph: build + order 5,000 tasks', await timeIt(20, () => engine.buildTaskGraph(registry)));
}

if (want('startup')) {
  const example = join(root, 'examples', 'monorepo');
  const node = await timeProcess(20, ['-e', '0'], example);
  report('startup: node -e 0', node);
  const version = await timeProcess(20, [orchBin, '--version'], example);
  report('startup: orch --version', version, `(${(version / node).toFixed(2)}x node)`);
  // As a user runs them (the example's daemon on, as after `npm run quickstart`), and alone (CI).
  const daemon = (action) => spawnSync(process.execPath, [orchBin, 'daemon', action], { cwd: example, stdio: 'ignore', env: { ...process.env, ORCH_DAEMON: '1' } });
  for (const [mode, env] of [['through its daemon', { ORCH_DAEMON: '1' }], ['alone', { ORCH_DAEMON: '0' }]]) {
    if (mode === 'through its daemon') daemon('start');
    for (const args of [['--help'], ['list'], ['validate'], ['affected', '--list', '--files', 'packages/core/src/index.ts']]) {
      const time = await timeProcess(20, [orchBin, ...args], example, env);
      report(`startup: orch ${args.join(' ')} (example monorepo, ${mode})`, time, `(${(time / node).toFixed(2)}x node)`);
    }
    if (mode === 'through its daemon') daemon('stop');
  }
  // What each dependency costs to import, alone in a fresh process, from the package that
  // depends on it: CPU time of the import itself (median of 7; CPU, as wall time on a shared
  // machine measures the neighbours), beside orch's own packages (issue 13).
  const importCost = (from, specifier) => {
    const script = `const c = process.cpuUsage(); await import(${JSON.stringify(specifier)}); const d = process.cpuUsage(c); console.log((d.user + d.system) / 1000);`;
    const times = [];
    for (let i = 0; i < 7; i++) {
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(root, 'packages', from), encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`import ${specifier} from packages/${from} exited ${result.status}: ${result.stderr}`);
      times.push(Number(result.stdout.trim()));
    }
    return median(times);
  };
  const manifests = ['engine', 'plugins', 'cli'].map((name) => [name, JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'))]);
  const seen = new Set();
  for (const [from, manifest] of manifests) {
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith('@orch/') || seen.has(dependency)) continue;
      seen.add(dependency);
      report(`startup: import ${dependency}`, importCost(from, dependency), '(CPU)');
    }
  }
  for (const [label, from, specifier] of [
    ['@orch/engine, with its dependencies', 'plugins', '@orch/engine'],
    ['@orch/plugins/preset (list, validate)', 'cli', '@orch/plugins/preset'],
    ['@orch/plugins/inspect (affected --list)', 'cli', '@orch/plugins/inspect'],
    ['@orch/plugins (all, as a run loads it)', 'cli', '@orch/plugins'],
  ]) report(`startup: import ${label}`, importCost(from, specifier), '(CPU, with @orch/engine)');
}

if (want('run')) {
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const cores = (await import('node:os')).availableParallelism();
  const sizes = (process.env.BENCH_SIZES ?? '100,500').split(',').map(Number);
  for (const size of sizes) {
    const dir = join(work, `workspace-${size}`);
    const { names } = generateWorkspace(dir, size);
    const clean = () => {
      for (const n of names) rmSync(join(dir, 'packages', n, 'dist'), { recursive: true, force: true });
      rmSync(join(dir, '.orch'), { recursive: true, force: true });
    };
    // The scripts' own time: each build run directly with node, one after another, in order.
    clean();
    const direct = await timeIt(1, () => {
      for (const n of names) {
        const result = spawnSync(process.execPath, ['../../scripts/build.mjs'], { cwd: join(dir, 'packages', n), stdio: 'ignore' });
        if (result.status !== 0) throw new Error(`direct build of ${n} failed`);
      }
    });
    report(`run ${size}: the scripts alone, sequential`, direct, `(${(direct / size).toFixed(1)} ms per task; /${cores} cores = ${(direct / cores).toFixed(0)} ms)`);
    const orchRun = (concurrency) => {
      clean();
      const start = performance.now();
      const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', String(concurrency), '--reporter', 'silent'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
      if (result.status !== 0) throw new Error(`orch run build failed (${result.status})`);
      return performance.now() - start;
    };
    const serial = orchRun(1);
    report(`run ${size}: orch run build, cold, concurrency 1`, serial, `(overhead ${((serial - direct) / size).toFixed(1)} ms per task)`);
    const parallel = orchRun(cores);
    report(`run ${size}: orch run build, cold, concurrency ${cores}`, parallel, `(${(parallel / (direct / cores)).toFixed(2)}x the scripts' time / cores)`);
    if (size === 100) {
      // What the gates add per task, from the run's own stage events.
      clean();
      const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', '1', '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      const stages = {};
      const cheap = {};
      for (const line of result.stdout.trim().split('\n')) {
        const event = JSON.parse(line);
        if (event.type !== 'task-stage') continue;
        stages[event.stage] = (stages[event.stage] ?? 0) + event.durationMs;
        for (const verdict of event.verdicts ?? []) cheap[verdict.gate] = (cheap[verdict.gate] ?? 0) + (verdict.durationMs ?? 0);
      }
      const perTask = (ms) => `${(ms / size).toFixed(2)} ms per task`;
      report(`gates ${size}: pre-execution gates (5)`, (stages.preGates ?? 0) / size, perTask(stages.preGates ?? 0));
      report(`gates ${size}: snapshot before execution (deploy)`, (stages.deploy ?? 0) / size, perTask(stages.deploy ?? 0));
      report(`gates ${size}: post-execution gates incl. git status`, (stages.postValidate ?? 0) / size, perTask(stages.postValidate ?? 0));
      for (const [gate, ms] of Object.entries(cheap).sort()) console.log(`    ${gate.padEnd(30)} ${(ms / size).toFixed(3)} ms per task`);
    }
    if (size === 100 || process.env.BENCH_FULL) {
      clean();
      const pnpm = await timeIt(1, () => {
        const result = spawnSync('npx', ['--yes', 'pnpm@10.34.9', '-r', `--workspace-concurrency=${cores}`, 'run', 'build'], { cwd: dir, stdio: 'ignore' });
        if (result.status !== 0) throw new Error(`pnpm -r run build failed (${result.status})`);
      });
      report(`run ${size}: pnpm -r run build (for comparison)`, pnpm, `(${(pnpm / parallel).toFixed(1)}x orch)`);
    }
  }
}

if (want('sessions')) {
  // The session log's cost: the same cold 500-task run with the durable log (the default: one
  // write + fdatasync per checkpoint, group-committed), without fsync, and with no log at all.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const cores = (await import('node:os')).availableParallelism();
  const size = Number(process.env.BENCH_SESSION_SIZE ?? 500);
  const dir = join(work, `sessions-${size}`);
  const { names } = generateWorkspace(dir, size);
  const configFile = join(dir, 'orchestrator.config.json');
  const base = JSON.parse(readFileSync(configFile, 'utf8'));
  const variants = [
    ['durable log (default)', {}],
    ['log without fsync', { fsync: false }],
    ['no session log', { log: false }],
  ];
  const times = new Map(variants.map(([name]) => [name, []]));
  // Interleaved rounds, so drift on the machine affects every variant alike.
  for (let round = 0; round < 3; round++) {
    for (const [name, sessions] of variants) {
      writeFileSync(configFile, JSON.stringify({ ...base, sessions }, null, 2));
      for (const n of names) rmSync(join(dir, 'packages', n, 'dist'), { recursive: true, force: true });
      rmSync(join(dir, '.orch'), { recursive: true, force: true });
      const start = performance.now();
      const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
      if (result.status !== 0) throw new Error(`orch run build (${name}) failed (${result.status})`);
      times.get(name).push(performance.now() - start);
    }
  }
  writeFileSync(configFile, JSON.stringify(base, null, 2));
  const without = median(times.get('no session log'));
  for (const [name] of variants) {
    const ms = median(times.get(name));
    report(`sessions ${size}: orch run build, cold, ${name}`, ms, name === 'no session log' ? '' : `(${(((ms - without) / without) * 100).toFixed(1)}% overhead)`);
  }
}

if (want('env')) {
  // What building each task's environment costs: the selection itself (500 tasks), then the
  // 500-package cold and full-hit runs in strict mode (the default: a selection per task for its
  // hash and one for its process) and loose mode (every variable hashed), in interleaved rounds
  // so drift on the machine affects each alike. BENCH_BASELINE names another build's bin.js (say,
  // one from before environment modes) to run beside them.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const cores = (await import('node:os')).availableParallelism();
  const size = Number(process.env.BENCH_ENV_SIZE ?? 500);
  const policy = plugins.envPolicy({ env: ['NODE_ENV'], passThroughEnv: ['SENTRY_*'] }, { envMode: 'strict', globalEnv: [], globalPassThroughEnv: ['BENCH_TASKLOG'] });
  const select = await timeIt(20, () => {
    for (let i = 0; i < size; i++) plugins.selectTaskEnvironment(plugins.inheritedEnvironment(), policy);
  });
  report(`env ${size}: select the environment of ${size} tasks (strict)`, select, `(${Object.keys(process.env).length} variables; ${((select / size) * 1000).toFixed(1)} µs per task)`);

  const dir = join(work, `env-${size}`);
  const { names } = generateWorkspace(dir, size);
  // The same config for every variant, one an older orch reads too (no globalPassThroughEnv).
  writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }, null, 2));
  const variants = [
    ['strict (default)', orchBin, []],
    ['loose', orchBin, ['--env-mode=loose']],
    ...(process.env.BENCH_BASELINE ? [['baseline build', process.env.BENCH_BASELINE, []]] : []),
  ];
  const times = new Map(variants.flatMap(([name]) => [[`${name} cold`, []], [`${name} full hit`, []]]));
  const run = (bin, flags, what) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [bin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent', ...flags], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    if (result.status !== 0) throw new Error(`orch run build (${what}) failed (${result.status})`);
    return performance.now() - start;
  };
  for (let round = 0; round < Number(process.env.BENCH_ENV_ROUNDS ?? 3); round++) {
    for (const [name, bin, flags] of variants) {
      for (const n of names) rmSync(join(dir, 'packages', n, 'dist'), { recursive: true, force: true });
      rmSync(join(dir, '.orch'), { recursive: true, force: true });
      times.get(`${name} cold`).push(run(bin, flags, name));
      times.get(`${name} full hit`).push(run(bin, flags, name));
    }
  }
  for (const kind of ['cold', 'full hit']) {
    const strict = median(times.get(`strict (default) ${kind}`));
    for (const [name] of variants) {
      const ms = median(times.get(`${name} ${kind}`));
      report(`env ${size}: orch run build, ${kind}, ${name}`, ms, name.startsWith('strict') ? '' : `(strict is ${Math.abs(((strict - ms) / ms) * 100).toFixed(1)}% ${strict >= ms ? 'slower' : 'faster'})`);
    }
  }
}

if (want('hit')) {
  // What a full cache hit costs per task (issue 13: under 0.5 ms; 2,000 cached tasks under 2 s):
  // a workspace of each size in BENCH_HIT_SIZES (default 250,1000) is built once, then run
  // again BENCH_HIT_ROUNDS times with every task cached. The marginal cost per task is the
  // difference between the sizes' medians over the difference in tasks, so start-up and the
  // per-run fixed costs (which `orch --version` shows part of) drop out.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const cores = (await import('node:os')).availableParallelism();
  const sizes = (process.env.BENCH_HIT_SIZES ?? '250,1000').split(',').map(Number);
  const rounds = Number(process.env.BENCH_HIT_ROUNDS ?? 5);
  const version = await timeProcess(rounds, [orchBin, '--version'], root);
  report('hit: orch --version', version);
  // Each size run alone (CI=1: no daemon, as in CI) and through the workspace's daemon (docs/daemon.md).
  const modes = [
    ['alone', { CI: '1', ORCH_DAEMON: '0' }],
    ['through the daemon', { ORCH_DAEMON: '1' }],
  ];
  // CPU time (user + system) beside the wall: steadier on a shared machine. Alone, the process's
  // own (GNU time's, when /usr/bin/time exists); through the daemon, the client's and the
  // daemon's (from /proc, read around each run).
  const timed = existsSync('/usr/bin/time');
  const daemonCpuMs = (pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  };
  for (const [mode, modeEnv] of modes) {
    const medians = [];
    const cpuMedians = [];
    for (const size of sizes) {
      const dir = join(work, `hit-${size}`);
      if (!existsSync(join(dir, 'package.json'))) generateWorkspace(dir, size);
      const env = { ...process.env, ...modeEnv };
      const args = [orchBin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent'];
      let daemonPid;
      const cpu = [];
      const run = () => {
        const before = daemonPid === undefined ? undefined : daemonCpuMs(daemonPid);
        const result = timed ? spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env }) : spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore', env });
        if (result.status !== 0) throw new Error(`orch run build (${size} packages) failed (${result.status})`);
        const after = daemonPid === undefined ? undefined : daemonCpuMs(daemonPid);
        const [user, system] = timed ? result.stderr.trim().split('\n').at(-1).split(' ').map(Number) : [Number.NaN, 0];
        cpu.push((user + system) * 1000 + (before !== undefined && after !== undefined ? after - before : 0));
      };
      run();
      if (modeEnv.ORCH_DAEMON === '1') {
        spawnSync(process.execPath, [orchBin, 'daemon', 'start'], { cwd: dir, stdio: 'ignore', env });
        const status = spawnSync(process.execPath, [orchBin, 'daemon', 'status', '--json'], { cwd: dir, encoding: 'utf8', env });
        daemonPid = status.status === 0 ? JSON.parse(status.stdout).pid : undefined;
      }
      run();
      cpu.length = 0;
      const ms = await timeIt(rounds, run);
      if (modeEnv.ORCH_DAEMON === '1') spawnSync(process.execPath, [orchBin, 'daemon', 'stop'], { cwd: dir, stdio: 'ignore', env });
      medians.push([size, ms]);
      cpuMedians.push([size, median(cpu)]);
      report(`hit ${size}, ${mode}: orch run build, every task cached`, ms, `(${(ms - version).toFixed(0)} ms past orch --version; ${((ms - version) / size).toFixed(2)} ms per task with the fixed costs; CPU ${median(cpu).toFixed(0)} ms)`);
    }
    for (let i = 1; i < medians.length; i++) {
      const [small, a] = medians[i - 1];
      const [large, b] = medians[i];
      report(`hit, ${mode}: marginal cost per cached task (${small} to ${large})`, (b - a) / (large - small), `(${((b - a) / (large - small)).toFixed(3)} ms; 2,000 cached tasks: ~${(((b - a) / (large - small)) * 2000 / 1000).toFixed(2)} s past the fixed costs)`);
      const cpuPerTask = (cpuMedians[i][1] - cpuMedians[i - 1][1]) / (large - small);
      if (Number.isFinite(cpuPerTask)) report(`hit, ${mode}: marginal CPU per cached task (${small} to ${large})`, cpuPerTask, `(${cpuPerTask.toFixed(3)} ms of user + system${mode === 'alone' ? '' : ', client and daemon'})`);
    }
  }
}

if (want('affected')) {
  // orch affected --list on the 500-package workspace with one changed package, against what it
  // cannot avoid: starting node and one git diff of the same range.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const size = Number(process.env.BENCH_AFFECTED_SIZE ?? 500);
  const dir = join(work, `affected-${size}`);
  const { names } = generateWorkspace(dir, size);
  const git = (...args) => spawnSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], { cwd: dir, encoding: 'utf8' });
  git('branch', '-M', 'main');
  git('checkout', '-qb', 'feature');
  const changed = names[Math.floor(size / 3)];
  writeFileSync(join(dir, 'packages', changed, 'src', 'f0.js'), '// changed\n');
  git('commit', '-qam', 'change one package');
  const node = await timeProcess(20, ['-e', '0'], dir);
  const diff = await timeIt(20, () => {
    if (git('diff', '--name-only', 'main...HEAD').status !== 0) throw new Error('git diff failed');
  });
  const listed = JSON.parse(spawnSync(process.execPath, [orchBin, 'affected', '--list', '--json'], { cwd: dir, encoding: 'utf8' }).stdout);
  const affected = await timeProcess(20, [orchBin, 'affected', '--list'], dir);
  report('affected 500: node -e 0', node);
  report('affected 500: git diff --name-only main...HEAD', diff);
  report(`affected ${size}: orch affected --list (1 package changed)`, affected, `(${(affected / (node + diff)).toFixed(2)}x node + git; ${listed.projects.length} projects affected)`);
}

if (want('cache')) {
  const { generateWorkspace, treeDependencies } = await import('./genWorkspace.mjs');
  const node = await timeProcess(10, ['-e', '0'], root);
  const sizes = (process.env.BENCH_SIZES ?? '100,500').split(',').map(Number);
  for (const size of sizes) {
    const dir = join(work, `cache-${size}`);
    const { names } = generateWorkspace(dir, size);
    const orch = (...args) => spawnSync(process.execPath, [orchBin, 'run', 'build', '--reporter', 'silent', ...args], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    if (orch().status !== 0) throw new Error('cold run failed');
    const hit = await timeIt(5, () => {
      if (orch().status !== 0) throw new Error('cached run failed');
    });
    report(`cache ${size}: full hit (no change)`, hit, `(${(hit / node).toFixed(1)}x node -e 0 = ${node.toFixed(0)} ms)`);
    // One package in the middle changes: it and its dependents run, the rest comes from the cache.
    const changed = Math.floor(size / 3);
    const log = join(dir, 'tasklog.txt');
    const dependents = new Set([changed]);
    const deps = treeDependencies(size);
    for (let i = 0; i < size; i++) if (deps[i].some((d) => dependents.has(d))) dependents.add(i);
    const file = join(dir, 'packages', names[changed], 'src', 'f0.js');
    const start = performance.now();
    writeFileSync(file, `${readFileSync(file, 'utf8')}// changed\n`);
    rmSync(log, { force: true });
    const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--reporter', 'silent'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1', BENCH_TASKLOG: log } });
    const ms = performance.now() - start;
    const ran = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0;
    if (result.status !== 0) throw new Error('changed run failed');
    report(`cache ${size}: one package changed`, ms, `(${ran} tasks ran; expected ${dependents.size})`);
  }
  // Hashing 10,000 files with a few dirty: only those are read.
  const dir = join(work, 'hash-10000');
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 10_000; i++) {
    const folder = join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.txt`), `file ${i}\n`.repeat(20));
  }
  const git = (...args) => spawnSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-qm', 'files');
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `d${i}`, `f${i * 100}.txt`), 'dirty\n');
  writeFileSync(join(dir, 'new.txt'), 'untracked\n');
  let readCount = 0;
  const hashing = await timeIt(5, async () => {
    const files = new plugins.RepositoryFiles(dir, '.orch');
    await files.all();
    readCount = files.readCount;
  });
  report('hashing: 10,000 files, 6 dirty or untracked', hashing, `(${readCount} files read)`);
}

if (want('output')) {
  // Issue 11, part 13: orch's peak memory while a task prints 200 MB (and while a cache hit
  // replays it), measured from outside the orch process, against a task that prints nothing.
  const dir = join(work, 'output');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spew = `const total = Number(process.env.SPEW_MB) * 1024 * 1024;
const chunk = process.env.SPEW_ONE_LINE ? 'x'.repeat(96 * 1024) : ('\\u001b[32mok\\u001b[39m ' + 'x'.repeat(90) + '\\n').repeat(1024);
let sent = 0;
(function more() {
  while (sent < total) { sent += chunk.length; if (!process.stdout.write(chunk)) return process.stdout.once('drain', more); }
})();
`;
  writeFileSync(join(dir, 'spew.cjs'), spew);
  // The same from a module task (a worker thread): 1 KB lines written in one synchronous loop.
  writeFileSync(join(dir, 'spew.mjs'), "export default () => { const line = 'y'.repeat(1023) + '\\n'; for (let i = 0; i < Number(process.env.SPEW_MB) * 1024; i++) process.stdout.write(line); };\n");
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'output-bench', private: true, scripts: { spew: 'node spew.cjs' } }));
  writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify({ targets: { spew: { inputs: ['spew.cjs'], env: ['SPEW_MB', 'SPEW_ONE_LINE'] } }, commands: { 'spew-module': { module: 'spew.mjs', inputs: ['spew.mjs'], env: ['SPEW_MB'] } } }));
  writeFileSync(join(dir, '.gitignore'), '.orch/\n');
  const git = (...args) => spawnSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'output bench');
  const peak = (megabytes) => {
    const measured = peakRss([orchBin, 'run', 'spew', '--reporter', 'plain'], dir, { ...process.env, CI: '1', SPEW_MB: String(megabytes) });
    if (measured.status !== 0) throw new Error(`orch run spew (${megabytes} MB) failed (${measured.status})`);
    return measured.mb;
  };
  const reportMb = (name, mb, note = '') => {
    results.push({ name, mb });
    console.log(`${name.padEnd(52)} ${mb.toFixed(0).padStart(8)} MB${note ? `  ${note}` : ''}`);
  };
  rmSync(join(dir, '.orch'), { recursive: true, force: true });
  const idle = peak(0);
  reportMb('output: orch peak RSS, a task printing nothing', idle);
  rmSync(join(dir, '.orch'), { recursive: true, force: true });
  const cold = peak(200);
  reportMb('output: orch peak RSS, a task printing 200 MB', cold, `(+${(cold - idle).toFixed(0)} MB; bound: under 200 MB)`);
  const hit = peak(200);
  reportMb('output: orch peak RSS, a cache hit replaying 200 MB', hit, `(+${(hit - idle).toFixed(0)} MB)`);

  // Into a pipe (FINDINGS-11, 2): orch's own output pushes back on the task. `cat` reads at once;
  // the slow reader takes 64 KB every 2 ms (about 30 MB/s), so orch's output piles up unless held.
  if (existsSync('/usr/bin/time')) {
    const slow = `${JSON.stringify(process.execPath)} -e "process.stdin.on('data', () => { process.stdin.pause(); setTimeout(() => process.stdin.resume(), 2); })"`;
    const piped = (name, args, reader, extra = {}) => {
      const measured = peakRssPiped([orchBin, 'run', ...args, '--reporter', 'plain'], dir, { ...process.env, CI: '1', SPEW_MB: '200', ...extra }, reader);
      if (measured.status !== 0) throw new Error(`orch run ${args.join(' ')} into a pipe failed (${measured.status})`);
      reportMb(`output: ${name}`, measured.mb, '(bound: under 200 MB)');
    };
    piped('200 MB of lines into a pipe (cat)', ['spew', '--force'], 'cat > /dev/null');
    piped('200 MB of lines into a slow reader', ['spew', '--force'], slow);
    piped('200 MB in one line into a pipe (cat)', ['spew', '--force'], 'cat > /dev/null', { SPEW_ONE_LINE: '1' });
    piped('a cache hit replaying 200 MB into a slow reader', ['spew'], slow);
    piped('a module task printing 200 MB into a pipe (cat)', ['spew-module', '--force'], 'cat > /dev/null');
    piped('a module task printing 200 MB into a slow reader', ['spew-module', '--force'], slow);
  }
}

if (want('lockfile')) {
  // What lockfile closures cost. In process: reading the generated pnpm-lock.yaml (500 importers,
  // 1,000 registry packages) and digesting every package's closure and the root's, as one run's
  // hasher does. As runs: the 500-package workspace with that lockfile against the same without
  // one, cold and full hit, in interleaved rounds so drift on the machine affects both alike.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const cores = (await import('node:os')).availableParallelism();
  const size = Number(process.env.BENCH_LOCKFILE_SIZE ?? 500);
  const variants = [true, false].map((lockfile) => {
    const dir = join(work, `lockfile-${size}-${lockfile ? 'with' : 'without'}`);
    return { name: lockfile ? 'with pnpm-lock.yaml' : 'without a lockfile', dir, ...generateWorkspace(dir, size, { lockfile }) };
  });
  const [withLock] = variants;
  const read = await timeIt(5, async () => {
    const external = new plugins.ExternalDependencies(withLock.dir);
    for (const n of withLock.names) await external.of(`packages/${n}`);
  });
  report(`lockfile ${size}: read + closures of ${size} packages (in process)`, read);
  const times = new Map(variants.map((v) => [v.name, { cold: [], hit: [] }]));
  const orch = (dir) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    if (result.status !== 0) throw new Error(`orch run build failed in ${dir} (${result.status})`);
    return performance.now() - start;
  };
  for (let round = 0; round < Number(process.env.BENCH_LOCKFILE_ROUNDS ?? 3); round++) {
    for (const { name, dir, names } of variants) {
      for (const n of names) rmSync(join(dir, 'packages', n, 'dist'), { recursive: true, force: true });
      rmSync(join(dir, '.orch'), { recursive: true, force: true });
      times.get(name).cold.push(orch(dir));
      for (let i = 0; i < 3; i++) times.get(name).hit.push(orch(dir));
    }
  }
  const without = times.get('without a lockfile');
  for (const { name } of variants) {
    const { cold, hit } = times.get(name);
    const note = (ms, base) => (name === 'without a lockfile' ? '' : `(${(((ms - base) / base) * 100).toFixed(1)}% vs without)`);
    report(`lockfile ${size}: orch run build, cold, ${name}`, median(cold), note(median(cold), median(without.cold)));
    report(`lockfile ${size}: orch run build, full hit, ${name}`, median(hit), note(median(hit), median(without.hit)));
  }
}

mkdirSync(work, { recursive: true });
writeFileSync(join(work, 'results.json'), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2)}\n`);

if (want('report')) {
  // The HTML report of a cold run at N packages (issue 14: it opens and renders in Chromium in
  // under 3 s at N=500): what `orch report` and `orch graph --html` take and write, and the time
  // from navigating to the file until the page says it is drawn (`window.orchReport.ready`:
  // parsed, laid out by dagre, painted twice), median of 5 loads in a fresh page each.
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const { chromium } = await import('playwright-core');
  const size = Number(process.env.BENCH_REPORT_SIZE ?? 500);
  const dir = join(work, `report-${size}`);
  generateWorkspace(dir, size);
  const cores = (await import('node:os')).availableParallelism();
  const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
  if (result.status !== 0) throw new Error(`orch run build failed (${result.status})`);
  const pages = [
    ['orch report', ['report', '--out', 'report.html'], 'report.html'],
    ['orch graph --html', ['graph', 'build', '--html', 'graph.html'], 'graph.html'],
  ];
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const browser = await chromium.launch({ executablePath, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    for (const [name, args, file] of pages) {
      report(`report ${size}: ${name}`, await timeProcess(3, [orchBin, ...args], dir), `(${(statSync(join(dir, file)).size / 1024).toFixed(0)} KB)`);
      const loads = [];
      for (let round = 0; round < 5; round++) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const start = performance.now();
        await page.goto(pathToFileURL(join(dir, file)).href);
        await page.waitForFunction(() => globalThis.orchReport?.ready === true, null, { timeout: 60_000 });
        loads.push(performance.now() - start);
        await page.close();
      }
      report(`report ${size}: ${file} opened and drawn in Chromium`, median(loads), `(budget 3000 ms; ${size} tasks)`);
    }
  } finally {
    await browser.close();
  }
}

if (want('profile')) {
  // What --profile costs (issue 14: under 2% of a cold run): cold runs of a generated workspace
  // with and without it, alternated (median of BENCH_PROFILE_ROUNDS each); and, apart from the
  // noise of whole runs, the profiler's own work: the run's logged events replayed through
  // RunProfile in this process (record every event, then build and serialise the trace).
  const { generateWorkspace } = await import('./genWorkspace.mjs');
  const { RunProfile } = await import(join(root, 'packages', 'cli', 'dist', 'profile', 'RunProfile.js'));
  const size = Number(process.env.BENCH_PROFILE_SIZE ?? 500);
  const rounds = Number(process.env.BENCH_PROFILE_ROUNDS ?? 3);
  const dir = join(work, `profile-${size}`);
  const { names } = generateWorkspace(dir, size);
  const cores = (await import('node:os')).availableParallelism();
  const cold = (extra) => {
    for (const n of names) rmSync(join(dir, 'packages', n, 'dist'), { recursive: true, force: true });
    rmSync(join(dir, '.orch'), { recursive: true, force: true });
    const start = performance.now();
    const result = spawnSync(process.execPath, [orchBin, 'run', 'build', '--concurrency', String(cores), '--reporter', 'silent', ...extra], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: '1' } });
    if (result.status !== 0) throw new Error(`orch run build ${extra.join(' ')} failed (${result.status})`);
    return performance.now() - start;
  };
  const without = [];
  const withProfile = [];
  for (let round = 0; round < rounds; round++) {
    without.push(cold([]));
    withProfile.push(cold(['--profile', 'trace.json']));
  }
  const plain = median(without);
  const profiled = median(withProfile);
  report(`profile ${size}: orch run build, cold, without --profile`, plain);
  report(`profile ${size}: the same with --profile`, profiled, `(${(((profiled - plain) / plain) * 100).toFixed(1)}%, trace ${(statSync(join(dir, 'trace.json')).size / 1024).toFixed(0)} KB; runs vary by more than that on a shared machine)`);
  const session = new plugins.SessionStore(join(dir, '.orch')).ids().at(-1);
  const events = readFileSync(join(dir, '.orch', 'sessions', session, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const own = await timeIt(5, () => {
    let clock = 0;
    const profile = new RunProfile(() => (clock += 10), 0);
    for (const event of events) profile.record(event);
    JSON.stringify(profile.trace());
  });
  report(`profile ${size}: the profiler's own work (${events.length} events recorded, trace built and serialised)`, own, `(${((own / plain) * 100).toFixed(2)}% of the cold run)`);
}
