#!/usr/bin/env node
// The completion tests (test/cli/completion.test.ts) run `orch completion`'s scripts in real
// bash, zsh and fish. `npm test` runs this first: with all three on PATH, nothing to do;
// otherwise, as root on a Debian-like system (CI, a fresh machine), the missing ones are installed
// with apt-get; elsewhere it says what to install (those tests then fail saying so, never skipped).
import { execFileSync, spawnSync } from 'node:child_process';

const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
const missing = ['bash', 'zsh', 'fish'].filter((shell) => !onPath(shell));
if (missing.length === 0) process.exit(0);

if (process.getuid?.() === 0 && onPath('apt-get')) {
  console.log(`setup: installing ${missing.join(' and ')} for the completion tests (apt-get install ${missing.join(' ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
} else {
  console.warn(`setup: the completion tests need ${missing.join(' and ')}: install them (Debian/Ubuntu: apt-get install ${missing.join(' ')})`);
}
