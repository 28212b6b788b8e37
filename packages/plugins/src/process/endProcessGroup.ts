import { groupMembers } from './processIdentity.js';

const POLL_MS = 25;
/** After SIGKILL, how long to wait for the kernel to take the processes away. */
const KILL_WAIT_MS = 1000;

/**
 * Ends what is left of a process group: SIGTERM to the group, then SIGKILL once `graceMs` have
 * passed with any of it still running. Resolves when nothing of it runs (or a second after
 * SIGKILL) with how many processes were running when it was called; 0 costs one `kill(-pgid, 0)`.
 */
export async function endProcessGroup(pgid: number, graceMs: number): Promise<number> {
  const running = runningCount(pgid);
  if (running === 0) return 0;
  signalGroup(pgid, 'SIGTERM');
  if (!(await gone(pgid, graceMs))) {
    signalGroup(pgid, 'SIGKILL');
    await gone(pgid, KILL_WAIT_MS);
  }
  return running;
}

/** Sends a signal to every process of a group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Running processes of the group; without /proc, 1 while the group answers `kill(-pgid, 0)`. */
function runningCount(pgid: number): number {
  const members = groupMembers(pgid);
  if (members) return members.length;
  return signalGroup(pgid, 0) ? 1 : 0;
}

async function gone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (runningCount(pgid) > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
