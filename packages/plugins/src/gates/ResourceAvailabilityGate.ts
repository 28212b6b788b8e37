import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg } from 'node:os';
import { defineGate } from '@orch/engine';
import * as v from 'valibot';

/**
 * Pre-execution: the machine has room for the task: free memory (per unit of the task's weight),
 * free disk where the repository lives, and a load average per core below the limit.
 */
export function resourceAvailabilityGate() {
  return defineGate<{ minFreeMemoryMb?: number; minFreeDiskMb?: number; maxLoadPerCore?: number }>({
    name: 'orch:resources',
    stage: 'pre',
    description: 'enough free memory and disk, and the load is not too high',
    options: v.strictObject({ minFreeMemoryMb: v.optional(v.number()), minFreeDiskMb: v.optional(v.number()), maxLoadPerCore: v.optional(v.number()) }),
    defaults: { minFreeMemoryMb: 128, minFreeDiskMb: 256, maxLoadPerCore: 8 },
    async check({ task, options }) {
      const weight = task.profile?.weight ?? 1;
      const memoryMb = Math.floor(freemem() / 1048576);
      const needMemory = options.minFreeMemoryMb! * weight;
      const diskMb = await freeDiskMb(task.root);
      const load = loadavg()[0]! / availableParallelism();
      const short: string[] = [];
      if (memoryMb < needMemory) short.push(`${memoryMb} MB free memory, needs ${needMemory}`);
      if (diskMb < options.minFreeDiskMb!) short.push(`${diskMb} MB free disk, needs ${options.minFreeDiskMb}`);
      if (load > options.maxLoadPerCore!) short.push(`load ${load.toFixed(1)} per core, limit ${options.maxLoadPerCore}`);
      const details = { memoryMb, diskMb, loadPerCore: Number(load.toFixed(2)) };
      if (short.length > 0) return { status: 'fail', message: short.join('; '), details };
      return { status: 'pass', message: `${memoryMb} MB memory, ${diskMb} MB disk free`, details };
    },
  });
}

/** Free disk is read at most once a second per folder: hundreds of tasks starting at once (cache hits) ask the same. */
const DISK_READING_MS = 1000;
const diskReadings = new Map<string, { at: number; mb: Promise<number> }>();

function freeDiskMb(folder: string): Promise<number> {
  const now = Date.now();
  const last = diskReadings.get(folder);
  if (last && now - last.at < DISK_READING_MS) return last.mb;
  const mb = statfs(folder).then((disk) => Math.floor((disk.bavail * disk.bsize) / 1048576));
  diskReadings.set(folder, { at: now, mb });
  mb.catch(() => diskReadings.delete(folder));
  return mb;
}
