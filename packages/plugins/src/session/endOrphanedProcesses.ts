import type { ProcessIdentity } from '@orch/engine';
import { endProcessGroup } from '../process/endProcessGroup.js';
import { checkProcess, groupMembers } from '../process/processIdentity.js';
import { SessionLog } from './SessionLog.js';
import type { SessionOwner, SessionStore } from './SessionStore.js';

/** What a dead session had left running, and what became of it. */
export interface OrphanReport {
  session: string;
  owner?: SessionOwner;
  /** Groups that were still running and were ended, with how many processes each had. */
  ended: { task: string; pid: number; processes: number }[];
  /** Groups whose leader runs but cannot be verified to be the same process (no /proc): left alone. */
  unverified: { task: string; pid: number }[];
}

/**
 * Ends what sessions whose orch process died (`kill -9`, so it could not end them itself) left
 * running, before another run starts work that could overlap it. Each process group their log
 * records as possibly running is ended only if it is still the same processes: its leader with
 * the recorded start time, or, once the leader has exited, members that all started after it
 * (a group id cannot be reused while it has members). A pid that now belongs to another process
 * is never signalled. Each group looked at is then recorded as ended in that session's log, and
 * the dead owner's lock removed, so it is looked at once. `ids` limits this to those sessions.
 */
export async function endOrphanedProcesses(store: SessionStore, options: { ids?: readonly string[]; killGraceMs?: number } = {}): Promise<OrphanReport[]> {
  const abandoned = store.abandoned().filter((id) => !options.ids || options.ids.includes(id));
  const reports: OrphanReport[] = [];
  for (const id of abandoned) {
    const session = store.tryLoad(id, { repair: true });
    if (!session) continue;
    const report: OrphanReport = { session: id, ...(session.owner ? { owner: session.owner } : {}), ended: [], unverified: [] };
    const groups = Object.values(session.state.processes);
    await Promise.all(
      groups.map(async (group) => {
        const verdict = orphanVerdict(group);
        if (verdict === 'unverified') report.unverified.push({ task: group.task, pid: group.pid });
        if (verdict !== 'ours') return;
        const processes = await endProcessGroup(group.pid, options.killGraceMs ?? 3000);
        if (processes > 0) report.ended.push({ task: group.task, pid: group.pid, processes });
      }),
    );
    if (groups.length > 0) {
      const log = new SessionLog(store.logPath(id), { fsync: true });
      for (const { task, ...identity } of groups) log.append({ type: 'task-process', id: task, state: 'ended', process: identity });
      await log.close();
    }
    store.dropAbandonedLock(id);
    if (report.ended.length > 0 || report.unverified.length > 0) reports.push(report);
  }
  return reports;
}

/** Whether a recorded group is still the one the session started (`ours`), gone, or cannot be told. */
function orphanVerdict(group: ProcessIdentity): 'ours' | 'gone' | 'unverified' {
  switch (checkProcess(group)) {
    case 'same':
      return 'ours';
    case 'other':
      // The pid was given to another process, which the kernel does not do while the group lives.
      return 'gone';
    case 'unknown':
      return 'unverified';
    case 'gone': {
      if (group.startTime === undefined) return 'gone';
      const members = groupMembers(group.pid) ?? [];
      const started = group.startTime;
      return members.length > 0 && members.every((member) => member.boot === group.boot && (member.startTime ?? -1) >= started) ? 'ours' : 'gone';
    }
  }
}
