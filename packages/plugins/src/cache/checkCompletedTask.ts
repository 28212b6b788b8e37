import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandDefinition, ResolvedConfig, TaskLogFiles } from '@orch/engine';
import { taskDirectory } from '../executors/taskEnvironment.js';
import type { CacheProblem, LocalCache } from './LocalCache.js';
import { outputsChanged } from './outputsChanged.js';
import { uploadQueueFor } from './RemoteCachePlugin.js';

/**
 * What `checkCompletedTask` found. `intact`: the outputs are what the task made (its entry says
 * so, or nothing says otherwise and no entry is kept). `stored`: its missing entry was stored
 * again from them. `restore`: its entry is there but the outputs changed since: a cache hit puts
 * them back. `rerun`: they changed and there is no entry to restore from (`entryMissing`: the
 * process died before storing it).
 */
export type CompletedTaskCheck = { kind: 'intact' } | { kind: 'stored' } | { kind: 'restore'; reason: string } | { kind: 'rerun'; reason: string; entryMissing: boolean };

/**
 * For `orch resume`: whether a task the session recorded as completed (with its hash unchanged)
 * still counts as done, i.e. its outputs are what it made (FINDINGS-11, 1; issue 11, part 11a).
 * With its cache entry, the outputs must be the entry's (`outputsChanged`). Without one (the entry
 * is stored just after the session records the success, so a kill in between loses it), the
 * outputs must all be there and unchanged since `finishedAt`; then the entry is stored again from
 * them, with the log the task wrote in the session's log folder (`log`), and queued for upload when
 * remote writes are on. Rather than run such a task again (running a deploy twice is worse than a
 * lost entry), this trusts outputs only as far as that; an empty entry is never stored for outputs
 * that are gone. Throws when the store fails (the warning the original store would have given).
 */
export async function checkCompletedTask(input: {
  config: ResolvedConfig;
  cache: LocalCache;
  command: CommandDefinition;
  hash: string;
  durationMs: number;
  finishedAt?: number;
  log?: { files: TaskLogFiles; bytes: number };
  onProblem?: (problem: CacheProblem) => void;
}): Promise<CompletedTaskCheck> {
  const { config, cache, command, hash } = input;
  const cached = command.metadata.cache !== false;
  const folder = taskDirectory({ command, root: config.root });
  const stateDir = resolve(config.root, config.stateDir);
  const target = {
    folder: await realpath(folder),
    outputs: command.metadata.outputs ?? [],
    protect: (await Promise.all([stateDir, cache.dir].map((dir) => realpath(dir).catch(() => dir)))),
    ...(input.finishedAt === undefined ? {} : { finishedAt: input.finishedAt }),
  };
  const entry = cached ? await cache.get(hash, input.onProblem) : undefined;
  if (entry) {
    const reason = await outputsChanged(target, entry.meta);
    return reason ? { kind: 'restore', reason } : { kind: 'intact' };
  }
  const storable = cached && config.cache.local.includes('w');
  const reason = await outputsChanged(target);
  if (reason) return { kind: 'rerun', reason, entryMissing: storable };
  if (!storable) return { kind: 'intact' };
  await cache.put({
    hash,
    taskId: command.id,
    folder,
    root: config.root,
    protect: [stateDir],
    outputs: command.metadata.outputs ?? [],
    ...(input.log ? { log: input.log } : {}),
    exitCode: 0,
    durationMs: input.durationMs,
    ...(config.cache.ttlMs ? { ttlMs: config.cache.ttlMs } : {}),
  });
  if (config.cache.remote?.access.includes('w')) await uploadQueueFor(config.root, config.stateDir).add(hash, command.id);
  return { kind: 'stored' };
}
