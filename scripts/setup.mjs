#!/usr/bin/env node
// Installs dependencies (with the pinned pnpm, fetched by npx: a fresh machine needs only
// Node 20 and npm) and builds the packages. Fast when there is nothing to do.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, npm_config_update_notifier: 'false' } });
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const marker = join(root, 'node_modules', '.modules.yaml');
const stale = !existsSync(marker) || statSync(join(root, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  console.log(`setup: installing dependencies with pnpm ${pnpmVersion}`);
  run(npx, ['--yes', `pnpm@${pnpmVersion}`, 'install', '--frozen-lockfile', '--config.confirmModulesPurge=false']);
}
console.log('setup: building packages');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/cli']);

// The `orch` binary (packages/cli/dist/bin.js) is a bundle of the three packages and the small
// libraries they use, split at every dynamic import so a command loads only its own code: one
// file to compile instead of ~200 modules to resolve and link (issue 13: `orch affected --list`
// 25% less CPU). Libraries with files of their own at run time (piscina's worker, jiti's
// transpiler, tar) or that a bundle breaks (cosmiconfig's CommonJS interop, write-file-atomic's
// __filename) stay external, resolved from @orch/cli's dependencies, as do those loaded through
// createRequire (yaml, jsonc-parser, js-yaml, proper-lockfile). dist/cli.js is the same program
// unbundled.
console.log('setup: bundling the orch binary');
const { build } = await import('esbuild');
const cliDist = join(root, 'packages', 'cli', 'dist');
rmSync(join(cliDist, 'bundle'), { recursive: true, force: true });
const shared = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['cosmiconfig', 'jiti', 'piscina', 'tar', 'typescript', 'write-file-atomic'],
  // Bundled CommonJS libraries call `require` for Node's own modules.
  banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  define: { __ORCH_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'packages', 'engine', 'package.json'), 'utf8')).version) },
  logLevel: 'warning',
};
await build({ ...shared, entryPoints: { bin: join(cliDist, 'cli.js') }, outdir: cliDist, entryNames: '[name]', chunkNames: 'bundle/[name]-[hash]', splitting: true });
// The worker threads' module (node executor, file hashing) is loaded by path, next to the chunk that starts it.
await build({ ...shared, entryPoints: [join(root, 'packages', 'plugins', 'dist', 'executors', 'nodeTaskWorker.js')], outfile: join(cliDist, 'bundle', 'nodeTaskWorker.js') });
