import { signalGroup } from './endProcessGroup.js';

/**
 * Process groups of tasks that may still have processes running: a second Ctrl-C kills them
 * at once, and so does orch's exit on any path (an internal error included), so that only a
 * `kill -9` of orch can leave them behind (and the next run ends those: `endOrphanedProcesses`).
 */
const live = new Set<number>();
let onExitHooked = false;

export function trackGroup(pgid: number): void {
  if (!onExitHooked) {
    process.once('exit', killAllChildren);
    onExitHooked = true;
  }
  live.add(pgid);
}

export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}

/** SIGKILL to every live group: the second Ctrl-C, and orch's exit. */
export function killAllChildren(): number {
  for (const pgid of live) signalGroup(pgid, 'SIGKILL');
  return live.size;
}

/**
 * Whether a process group is one this orch process started for a task and has not ended: in a
 * watch, a persistent task's group (a dev server) runs on while other cycles settle.
 */
export function isTrackedGroup(pgid: number): boolean {
  return live.has(pgid);
}

export function liveChildren(): number {
  return live.size;
}
