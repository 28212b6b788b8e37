import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessIdentity } from '@orch/engine';

/**
 * The fields of `/proc/<pid>/stat` after the command name (which may hold spaces and
 * parentheses): index 0 is the state (field 3), 2 the process group (field 5), 19 the start
 * time in clock ticks after boot (field 22), as proc(5) numbers them.
 */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const STATE = 0;
const PARENT = 1;
const GROUP = 2;
const START_TIME = 19;

let boot: string | undefined | null = null;

/** This boot's id (`/proc/sys/kernel/random/boot_id`), or undefined without /proc. */
export function currentBoot(): string | undefined {
  if (boot === null) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = undefined;
    }
  }
  return boot;
}

/**
 * A process's identity: its pid with its start time and boot, so that a pid the system has
 * since given to another process is never taken for it. Only the pid where there is no /proc
 * (macOS): such a record can be checked for liveness but not verified.
 */
export function processIdentity(pid: number): ProcessIdentity {
  // This process's own identity never changes; a daemon asks for it on every invocation.
  if (pid === process.pid) return { ...(own ??= identityOf(pid)) };
  return identityOf(pid);
}

let own: ProcessIdentity | undefined;

function identityOf(pid: number): ProcessIdentity {
  const fields = statFields(pid);
  const bootId = currentBoot();
  if (!fields || bootId === undefined) return { pid };
  return { pid, startTime: Number(fields[START_TIME]), boot: bootId };
}

/**
 * Whether a recorded process still runs: `same` (the very process), `gone` (exited, a zombie,
 * or from an earlier boot), `other` (its pid now belongs to another process), or `unknown`
 * (a pid is alive but the record has no start time to compare).
 */
export type ProcessCheck = 'same' | 'gone' | 'other' | 'unknown';

export function checkProcess(recorded: ProcessIdentity): ProcessCheck {
  const bootNow = currentBoot();
  if (bootNow === undefined) return pidAlive(recorded.pid) ? 'unknown' : 'gone';
  if (recorded.boot !== undefined && recorded.boot !== bootNow) return 'gone';
  const fields = statFields(recorded.pid);
  if (!fields || fields[STATE] === 'Z' || fields[STATE] === 'X') return 'gone';
  if (recorded.startTime === undefined) return 'unknown';
  return Number(fields[START_TIME]) === recorded.startTime ? 'same' : 'other';
}

/** Whether a process `pid` exists (one of another user counts: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running members of a process group (zombies left out), or undefined where there is no
 * /proc to list them. A `kill(-pgid, 0)` answers first, so a group that is gone costs no scan.
 */
export function groupMembers(pgid: number): ProcessIdentity[] | undefined {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return [];
  }
  const bootId = currentBoot();
  if (bootId === undefined) return undefined;
  const members: ProcessIdentity[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (!fields || Number(fields[GROUP]) !== pgid || fields[STATE] === 'Z' || fields[STATE] === 'X') continue;
    members.push({ pid: Number(name), startTime: Number(fields[START_TIME]), boot: bootId });
  }
  return members;
}

/** Whether `pid` started this process, directly or not (false where there is no /proc to tell). */
export function isAncestor(pid: number): boolean {
  for (let current = process.ppid; current > 1; ) {
    if (current === pid) return true;
    const fields = statFields(current);
    if (!fields) return false;
    current = Number(fields[PARENT]);
  }
  return false;
}
