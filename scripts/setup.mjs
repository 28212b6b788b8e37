#!/usr/bin/env node
// Installs dependencies (with the pinned pnpm, fetched by npx: a fresh machine needs only
// Node 20 and npm) and builds the packages. Fast when there is nothing to do.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
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

console.log('setup: bundling the orch binary');
run(process.execPath, [join(root, 'scripts', 'bundle.mjs')]);
