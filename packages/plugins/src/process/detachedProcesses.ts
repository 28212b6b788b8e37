import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { isTrackedGroup } from './processTree.js';

/**
 * This orch process's mark, put in every task's environment as `ORCH_RUN_ID`: whatever a task
 * starts inherits it, including a process that leaves the task's process group.
 */
export const RUN_ID = randomUUID();

/** A process a task started that is still running outside every group orch ended. */
export interface DetachedProcess {
  pid: number;
  /** The task that started it (its `ORCH_TASK`). */
  task: string;
  /** Its command line, shortened. */
  command: string;
}

/**
 * The processes still running whose environment carries `runId` (FINDINGS-11, 4): called once
 * every task's process group has been ended, these left their group (`setsid`, `setpgid`, a
 * daemon's double fork), which orch cannot end without cgroups, so it names them instead. A
 * process in a group this orch still supervises (a watch's persistent task, kept running on
 * purpose while other cycles settle: FINDINGS-15, 4) has not left it and is not named. Linux
 * only (`/proc`; elsewhere: none); a process that replaced its whole environment, or runs as
 * another user, is not seen. Zombies are left out.
 */
export function detachedProcesses(runId = RUN_ID): DetachedProcess[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const mark = `ORCH_RUN_ID=${runId}`;
  const found: DetachedProcess[] = [];
  for (const pid of pids) {
    const environ = readProc(pid, 'environ').split('\0');
    if (!environ.includes(mark)) continue;
    const stat = readProc(pid, 'stat');
    if (stat === '') continue;
    // After the command's closing parenthesis: state, ppid, pgrp.
    const [state = '', , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (/^[ZX]$/.test(state) || isTrackedGroup(Number(group))) continue;
    const task = environ.find((entry) => entry.startsWith('ORCH_TASK='))?.slice('ORCH_TASK='.length) ?? '(unknown task)';
    const command = readProc(pid, 'cmdline').split('\0').filter(Boolean).join(' ');
    found.push({ pid: Number(pid), task, command: command.length > 80 ? `${command.slice(0, 77)}...` : command });
  }
  return found;
}

/** A `/proc/<pid>/<file>`, or '' when it is gone or not readable. */
function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}
