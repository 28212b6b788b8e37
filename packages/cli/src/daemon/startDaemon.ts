import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COMMANDS } from '../main.js';
import { lastOpenedWorkspace } from '../openWorkspace.js';
import type { DaemonOutcome } from './daemonClient.js';
import { daemonServes } from './daemonServes.js';
import type { WarmUpRequest } from './warmUp.js';
import { daemonSocketFolder, daemonSocketPath, trustedSocketFolder } from './daemonSocket.js';

/** The daemon's log is started afresh when it has grown past this. */
const LOG_LIMIT_BYTES = 1024 * 1024;

/**
 * After an invocation ran here because no daemon served it (none running, one that died, one
 * that stopped for a newer orch), starts one for the workspace it opened, if the daemon could
 * have served it: the next invocations find it (docs/daemon.md: started on demand).
 */
export async function startDaemonAfter(argv: readonly string[], outcome: Exclude<DaemonOutcome, { served: number }>): Promise<void> {
  if (outcome.local === 'off' || outcome.local === 'timeout' || (outcome.local === 'declined' && !outcome.stopping)) return;
  const workspace = lastOpenedWorkspace();
  if (!workspace || !daemonServes(argv, Object.keys(COMMANDS))) return;
  startDaemon(workspace, realpathSync(process.argv[1]!), { argv: [...argv], cwd: process.cwd() });
}

/**
 * Starts a daemon for the workspace at `root` in the background (detached, its output in
 * `<stateDir>/daemon.log`; `stateDir` and `cacheDir` as configured, relative to the root or
 * absolute), warmed up with `warmUp` (the invocation that started it: `warmUp.ts`). Returns its pid. A daemon already serving the root keeps it: the new one ends at once.
 */
export function startDaemon(workspace: { root: string; stateDir: string; cacheDir: string }, program: string, warmUp?: WarmUpRequest): number | undefined {
  const real = realpathSync(workspace.root);
  const folder = resolve(real, workspace.stateDir);
  mkdirSync(folder, { recursive: true });
  const log = join(folder, 'daemon.log');
  try {
    if (statSync(log).size > LOG_LIMIT_BYTES) truncateSync(log);
  } catch {
    // No log yet.
  }
  const fd = openSync(log, 'a');
  try {
    // A young generation that holds what an invocation allocates, emptied between invocations
    // (`collectYoungGarbage`): a daemon allocates much and keeps little from one to the next.
    // Baseline code from a function's first call (`--always-sparkplug`): until V8 has optimised
    // what a full hit runs (some twenty invocations), its first replies were ~10% slower
    // interpreted (docs/daemon.md); a short-lived orch alone is slower with it, so only here.
    const args = ['--max-semi-space-size=32', '--always-sparkplug', '--expose-gc', program, '__daemon', real, log, resolve(real, workspace.cacheDir), ...(warmUp ? [JSON.stringify(warmUp)] : [])];
    const child = spawn(process.execPath, args, { cwd: real, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid !== undefined) markStarting(real, child.pid);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Leaves `<socket>.starting` naming the daemon just spawned, until it serves (it removes the
 * file then): `orch daemon stop` finds and stops a daemon that has no socket yet.
 */
function markStarting(root: string, pid: number): void {
  const folder = daemonSocketFolder();
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch {
    // There already, or not to be made: the daemon says which in its log.
  }
  if (!trustedSocketFolder(folder)) return;
  try {
    writeFileSync(`${daemonSocketPath(root)}.starting`, JSON.stringify({ pid }));
  } catch {
    // Without the mark, a stop just after the start finds nothing to stop.
  }
}
