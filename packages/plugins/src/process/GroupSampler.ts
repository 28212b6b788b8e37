import { existsSync, readFileSync } from 'node:fs';
import type { TaskResources } from '@orch/engine';

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture (proc(5)). */
const MS_PER_TICK = 10;

let available: boolean | undefined;

/** A process as last sampled: its own CPU time, its waited-for children's, and its parent. */
interface ProcessSample {
  parent: number;
  selfTicks: number;
  reapedTicks: number;
  /** The parent's reapedTicks in the last sample that saw this process (absent: its parent is not in the tree). */
  parentReaped?: number;
  gone: boolean;
}

/**
 * Samples one task's process tree from /proc: the leader (the group's pid) and its descendants
 * (`/proc/<pid>/task/<pid>/children`; a process that left the tree by daemonising is not seen).
 *
 * - Peak memory: the largest sum of the tree's resident set (VmRSS) over a sample, or one
 *   process's own peak (VmHWM), which the kernel keeps between samples, if that is larger.
 * - CPU time: each process's user + system time (`/proc/<pid>/stat` fields 14-17) as last seen,
 *   plus what its waited-for children used (cutime, cstime); an ended process is counted once,
 *   by itself or, when its parent's count grew after it ended, through the parent. What ran
 *   after the last sample is not seen.
 */
export class GroupSampler {
  private readonly processes = new Map<number, ProcessSample>();
  private peakRssBytes = 0;
  private samples = 0;

  constructor(private readonly leader: number) {}

  /** Whether this system has the /proc files sampling reads (asked once). */
  static available(): boolean {
    available ??= existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
    return available;
  }

  sample(): void {
    const seen = new Set<number>();
    let rss = 0;
    const stack = [this.leader];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      const read = readProcess(pid);
      if (!read) continue;
      seen.add(pid);
      rss += read.rssBytes;
      this.peakRssBytes = Math.max(this.peakRssBytes, read.peakBytes);
      // Parents are read before their children, so a seen parent's reading of this sample is here.
      const parent = seen.has(read.parent) ? this.processes.get(read.parent) : undefined;
      this.processes.set(pid, { parent: read.parent, selfTicks: read.selfTicks, reapedTicks: read.reapedTicks, ...(parent ? { parentReaped: parent.reapedTicks } : {}), gone: false });
      stack.push(...read.children);
    }
    if (seen.size === 0) return;
    this.samples++;
    this.peakRssBytes = Math.max(this.peakRssBytes, rss);
    for (const [pid, record] of this.processes) if (!seen.has(pid)) record.gone = true;
  }

  totals(): TaskResources {
    let ticks = 0;
    // An ended child's time moves into its parent's cutime/cstime once the parent waits for it:
    // take off what the parent's count grew by after it last saw them, at most what they used.
    const absorbed = new Map<number, { used: number; parentReapedBefore: number }>();
    for (const record of this.processes.values()) {
      ticks += record.selfTicks + record.reapedTicks;
      if (!record.gone || record.parentReaped === undefined) continue;
      const entry = absorbed.get(record.parent) ?? { used: 0, parentReapedBefore: record.parentReaped };
      entry.used += record.selfTicks + record.reapedTicks;
      entry.parentReapedBefore = Math.min(entry.parentReapedBefore, record.parentReaped);
      absorbed.set(record.parent, entry);
    }
    for (const [parent, { used, parentReapedBefore }] of absorbed) {
      const grown = (this.processes.get(parent)?.reapedTicks ?? parentReapedBefore) - parentReapedBefore;
      ticks -= Math.min(used, Math.max(0, grown));
    }
    return { cpuMs: ticks * MS_PER_TICK, peakRssBytes: this.peakRssBytes, samples: this.samples };
  }
}

interface ProcessReading {
  parent: number;
  selfTicks: number;
  reapedTicks: number;
  rssBytes: number;
  peakBytes: number;
  children: number[];
}

/** One process's figures, or undefined once it is gone (or a zombie, whose figures are its parent's now). */
function readProcess(pid: number): ProcessReading | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses: [0] is field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    return {
      parent: Number(fields[1]),
      selfTicks: Number(fields[11]) + Number(fields[12]),
      reapedTicks: Number(fields[13]) + Number(fields[14]),
      rssBytes: statusKb(status, 'VmRSS') * 1024,
      peakBytes: statusKb(status, 'VmHWM') * 1024,
      children,
    };
  } catch {
    return undefined;
  }
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}
