#!/usr/bin/env node
// orch beside Turborepo, the peers taking turns run by run (`pnpm bench peers`, issue 13):
// installs the pinned Turborepo (and pnpm) into a temporary folder, generates the tree workspace
// of N packages, and runs the interleaved scenarios of the shared peer benchmark with this
// checkout's built orch, at N=100 and N=500; then prints orch/Turborepo ratios of the median wall
// times and the per-task cost of a cache hit. Never part of the tests or CI: it installs from the
// registry and takes minutes.
//
//   pnpm bench peers
//   BENCH_PEERS_SIZES=100 BENCH_PEERS_SCENARIOS=hit,affected BENCH_PEERS_RUNS=5 pnpm bench peers
//   BENCH_PEERS_COLD_RUNS=5       runs of the cold build (default 3; the others default 11)
//   BENCH_PEERS_ROOT=/tmp/peers   reuse a folder set up before (tools and repos are kept there)
//   BENCH_PEERS_DIR=path/to/shared/bench/peers   where setup.sh and interleave.mjs are
//
// The workload and the scenarios are the shared benchmark's (`../shared/bench/peers/`, next to the
// repository): setup.sh pins turbo@2.11.11 and pnpm@10.34.9; interleave.mjs runs cold, hit,
// one-change and affected, each peer deleting only its own cache for cold.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const orchJs = join(repo, 'packages', 'cli', 'dist', 'bin.js');
// The shared folder beside the repository (or beside a folder holding it, for a worktree).
const peersDir = process.env.BENCH_PEERS_DIR ?? [join(repo, '..'), join(repo, '..', '..')].map((dir) => join(dir, 'shared', 'bench', 'peers')).find((dir) => existsSync(dir)) ?? join(repo, '..', 'shared', 'bench', 'peers');
const root = process.env.BENCH_PEERS_ROOT ?? join(tmpdir(), 'orch-bench-peers');
const sizes = (process.env.BENCH_PEERS_SIZES ?? '100,500').split(',').map(Number);
const scenarios = process.env.BENCH_PEERS_SCENARIOS ?? 'cold,hit,one-change,affected';
// Runs counted per scenario: a full hit moves by ~20 ms from run to run on a 2-core machine, and a
// daemon's first runs are its slowest (its code is still compiling), so three runs are too few to
// tell 0.9x from 1.1x. A cold build takes a minute per run at N=500: three of those.
const runs = process.env.BENCH_PEERS_RUNS ?? '11';
const coldRuns = process.env.BENCH_PEERS_COLD_RUNS ?? '3';

if (!existsSync(join(peersDir, 'interleave.mjs'))) {
  console.error(`bench peers: no shared peer benchmark at ${peersDir}; set BENCH_PEERS_DIR to the folder with setup.sh and interleave.mjs`);
  process.exit(2);
}
const env = { ...process.env, ORCH_JS: orchJs };
const step = (what, command, args) => {
  console.error(`bench peers: ${what}`);
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`bench peers: ${what} failed (exit ${result.status})`);
    process.exit(1);
  }
};

const results = join(root, 'results');
rmSync(results, { recursive: true, force: true });
for (const n of sizes) {
  // setup.sh installs the pinned tools into <root>/tools once and regenerates the repo each time.
  if (!existsSync(join(root, 'repos', `tree-${n}`, 'bench-graph.json')) || process.env.BENCH_PEERS_FRESH === '1') step(`set up the ${n}-package workspace in ${root}`, 'bash', [join(peersDir, 'setup.sh'), String(n), root]);
  step(`interleaved runs at N=${n} (${scenarios})`, process.execPath, [join(peersDir, 'interleave.mjs'), '--n', String(n), '--peers', 'turbo orch', '--scenarios', scenarios, '--runs', runs, '--cold-runs', coldRuns, '--root', root, '--res', join(results, `N${n}`)]);
}

// summary.tsv: N, peer, scenario, runs, median wall, min, max, cpu, peak MiB, clean, tasks ran, expected, ...
const rows = sizes.flatMap((n) => readFileSync(join(results, `N${n}`, 'summary.tsv'), 'utf8').trim().split('\n').map((line) => line.split('\t')));
const wall = (n, peer, scenario) => Number(rows.find((r) => Number(r[0]) === n && r[1] === peer && r[2] === scenario)?.[4]);
const peak = (n, peer, scenario) => Number(rows.find((r) => Number(r[0]) === n && r[1] === peer && r[2] === scenario)?.[8]);
console.log("\norch / Turborepo, median wall (and peak memory, orch's / Turborepo's)");
console.log(`${'scenario'.padEnd(12)}${sizes.map((n) => `  N=${n}`.padEnd(44)).join('')}`);
for (const scenario of scenarios.split(',')) {
  const cells = sizes.map((n) => {
    const [o, t] = [wall(n, 'orch', scenario), wall(n, 'turbo', scenario)];
    return `  ${Number.isFinite(o) && Number.isFinite(t) ? `${(o / t).toFixed(2)}x (${o.toFixed(3)} s / ${t.toFixed(3)} s; memory ${(peak(n, 'orch', scenario) / peak(n, 'turbo', scenario)).toFixed(2)}x)` : '-'}`.padEnd(44);
  });
  console.log(`${scenario.padEnd(12)}${cells.join('')}`);
}
// A full hit runs every task from the cache; `affected --list` does everything but run tasks
// (start-up, config, discovery, graph, git), so their difference over the task count is what one
// cached task costs.
// That difference also holds what only a run does once (its session, its summary); between two
// sizes, the full hits' difference over the tasks between them is what one more cached task costs.
for (const n of sizes) {
  const [hit, startup] = [wall(n, 'orch', 'hit'), wall(n, 'orch', 'affected')];
  if (Number.isFinite(hit) && Number.isFinite(startup)) console.log(`per-task cost of a hit at N=${n}: ${(((hit - startup) / n) * 1000).toFixed(2)} ms ((full hit - affected --list) / ${n} tasks)`);
}
const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
const slope = (wall(large, 'orch', 'hit') - wall(small, 'orch', 'hit')) / (large - small);
if (large > small && Number.isFinite(slope)) console.log(`per-task cost of a hit: ${(slope * 1000).toFixed(2)} ms ((full hit at N=${large} - at N=${small}) / ${large - small} tasks)`);
console.log(`\nruns, loads and outputs: ${results}`);
