#!/usr/bin/env node
// The HTML report's tests open it in a real Chromium (test/helpers/browser.ts). `npm test` runs
// this first: with CHROMIUM_PATH set or a system Chromium found, nothing to do; otherwise, as root
// on a Debian-like system (CI, a fresh machine), Debian's `chromium` package is installed with
// apt-get; elsewhere it says what to install (the browser tests then fail saying so, never skipped).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const found = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (found) process.exit(0);

const hasAptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (process.getuid?.() === 0 && hasAptGet) {
  console.log('setup: installing Chromium for the report tests (apt-get install chromium)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
} else {
  console.warn('setup: no Chromium found; the report tests need one: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH');
}
