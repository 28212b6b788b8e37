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
    check({ task, options }) {
      const needMemory = options.minFreeMemoryMb! * (task.profile?.weight ?? 1);
      const judge = ({ memoryMb, diskMb, load }: Reading) => {
        const short: string[] = [];
        if (memoryMb < needMemory) short.push(`${memoryMb} MB free memory, needs ${needMemory}`);
        if (diskMb < options.minFreeDiskMb!) short.push(`${diskMb} MB free disk, needs ${options.minFreeDiskMb}`);
        if (load > options.maxLoadPerCore!) short.push(`load ${load.toFixed(1)} per core, limit ${options.maxLoadPerCore}`);
        const details = { memoryMb, diskMb, loadPerCore: Number(load.toFixed(2)) };
        if (short.length > 0) return { status: 'fail' as const, message: short.join('; '), details };
        return { status: 'pass' as const, message: `${memoryMb} MB memory, ${diskMb} MB disk free`, details };
      };
      // A fresh reading answers at once: no promise, no time limit, for each of a full hit's tasks.
      const fresh = freshReading(task.root);
      return fresh ? judge(fresh) : machineReading(task.root).then(judge);
    },
  });
}

/**
 * What the machine has free, read at most every 250 ms per folder: hundreds of tasks starting at
 * once (cache hits) ask the same, and a reading that old says what starting one more would.
 */
const READING_MS = 250;
interface Reading {
  memoryMb: number;
  diskMb: number;
  load: number;
}
const readings = new Map<string, { at: number; reading: Promise<Reading>; value?: Reading }>();

/** The folder's reading when one younger than READING_MS has arrived. */
function freshReading(folder: string): Reading | undefined {
  const last = readings.get(folder);
  return last && Date.now() - last.at < READING_MS ? last.value : undefined;
}

function machineReading(folder: string): Promise<Reading> {
  const now = Date.now();
  const last = readings.get(folder);
  if (last && now - last.at < READING_MS) return last.reading;
  const reading = statfs(folder).then((disk) => ({
    memoryMb: Math.floor(freemem() / 1048576),
    diskMb: Math.floor((disk.bavail * disk.bsize) / 1048576),
    load: loadavg()[0]! / availableParallelism(),
  }));
  const entry: { at: number; reading: Promise<Reading>; value?: Reading } = { at: now, reading };
  readings.set(folder, entry);
  reading.then(
    (value) => void (entry.value = value),
    () => readings.delete(folder),
  );
  return reading;
}
