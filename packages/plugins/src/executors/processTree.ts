import type { ChildProcess } from 'node:child_process';

/** Process groups of running children, so a second Ctrl-C can end them all at once. */
const live = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('close', () => live.delete(child));
}

/**
 * Signals a child's whole process group (children are started as group leaders), so nothing
 * it started is left behind.
 */
export function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if it is still there. */
export function terminateTree(child: ChildProcess, graceMs: number): void {
  signalTree(child, 'SIGTERM');
  const timer = setTimeout(() => signalTree(child, 'SIGKILL'), graceMs);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}

/** SIGKILL to every live child group: the second Ctrl-C. */
export function killAllChildren(): number {
  for (const child of live) signalTree(child, 'SIGKILL');
  return live.size;
}

export function liveChildren(): number {
  return live.size;
}
