import { resolve } from 'node:path';
import type { CommandDefinition, ResolvedConfig, TaskLogFiles } from '@orch/engine';
import { taskDirectory } from '../executors/taskEnvironment.js';
import type { LocalCache } from './LocalCache.js';
import { uploadQueueFor } from './RemoteCachePlugin.js';

/** What `storeMissingEntry` found or did. */
export type MissingEntryOutcome = 'present' | 'stored' | 'not-cached';

/**
 * For `orch resume` (issue 11, part 11a): a task the session recorded as completed must have
 * its cache entry. The entry is stored just after the session records the success, so a kill
 * in between leaves a completed task without one. Rather than run it again (it completed:
 * running a deploy twice is worse than a lost entry), its entry is stored again from its
 * outputs in the working tree, which its unchanged hash says are what it made, with the log the
 * task wrote in the session's log folder (`log`, when it is still there). It is queued for upload when remote writes are on.
 * `not-cached`: the task is not cached at all (`cache: false`, local writes off). Throws when
 * the store fails (the warning the original store would have given).
 */
export async function storeMissingEntry(input: { config: ResolvedConfig; cache: LocalCache; command: CommandDefinition; hash: string; inputs: unknown; durationMs: number; log?: { files: TaskLogFiles; bytes: number } }): Promise<MissingEntryOutcome> {
  const { config, cache, command, hash } = input;
  if (command.metadata.cache === false || !config.cache.local.includes('w')) return 'not-cached';
  if (await cache.get(hash)) return 'present';
  await cache.put({
    hash,
    taskId: command.id,
    folder: taskDirectory({ command, root: config.root }),
    root: config.root,
    protect: [resolve(config.root, config.stateDir)],
    outputs: command.metadata.outputs ?? [],
    ...(input.log ? { log: input.log } : {}),
    exitCode: 0,
    durationMs: input.durationMs,
    ...(config.cache.ttlMs ? { ttlMs: config.cache.ttlMs } : {}),
    inputs: input.inputs,
  });
  if (config.cache.remote?.access.includes('w')) await uploadQueueFor(config.root, config.stateDir).add(hash, command.id);
  return 'stored';
}
