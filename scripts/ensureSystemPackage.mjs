// What scripts/ensureChromium.mjs, scripts/ensureRedis.mjs and scripts/ensureShells.mjs share: a program some tests run for
// real, installed with the system package manager when it is missing. Found (or its variable
// set): nothing to do. Missing, as root on a Debian-like system (CI, a fresh machine): the Debian
// package is installed with apt-get. Elsewhere: a warning says what to install (those tests then
// fail saying so, never skipped).
import { execFileSync, spawnSync } from 'node:child_process';

/**
 * @param {{ found: boolean, debianPackage: string | string[], purpose: string, variable?: string }} need
 *   `found`: the program is there; `debianPackage`: the package (or packages) to install;
 *   `purpose`: the tests that need it; `variable`: the environment variable that names it
 *   instead, if there is one.
 */
export function ensureSystemPackage({ found, debianPackage, purpose, variable }) {
  if (found) return;
  const packages = [debianPackage].flat();
  const named = packages.join(' ');
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log(`setup: installing ${named} for ${purpose} (apt-get install ${named})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } else {
    console.warn(`setup: ${named} not found; ${purpose} need it: install it (Debian/Ubuntu: apt-get install ${named})${variable ? ` or set ${variable}` : ''}`);
  }
}

/** Whether `command` is on the PATH. */
export function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
