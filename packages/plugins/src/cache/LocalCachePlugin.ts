import { taskDirectory } from '../executors/taskEnvironment.js';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { definePlugin, readSmallTaskLog, readTaskLog, STAGE_ORDER, type Engine, type TaskContext } from '@orch/engine';
import { TaskRecords } from '../state/TaskRecords.js';
import { outputsInPlace, takeOutputsFingerprint, type OutputsPlace } from './outputsFingerprint.js';
import { CacheRefusal } from './confinedPath.js';
import { describeFileError } from './describeFileError.js';
import { LocalCache, type CacheEntry } from './LocalCache.js';
import { OutputWarnings } from './OutputWarnings.js';
import type { RestoreTarget } from './restoreOutputs.js';
import type { HashInputs } from './TaskHasher.js';
import { taskHasherFor } from './taskHasherFor.js';

const PLUGIN_NAME = 'orch:cache-local';
const ENTRY = 'orch:cache-entry';
const EVICTION_INTERVAL_MS = 60 * 60_000;

/** Where a task's outputs live: its package folder, or the root. */
export const taskFolder = taskDirectory;

/** Set on a task whose hash is provisional (a `!`cmd`` line of its prompt failed): it is not what the agent got. */
export const PROVISIONAL_HASH = 'orch:hash-provisional';

/**
 * Whether a task may use the cache at all (`cache: false` opts out; a provisional hash never
 * does; nor a persistent task, a dev server whose result is not a build: a hit would start none).
 */
export function cacheable(task: TaskContext): boolean {
  const { metadata } = task.command;
  return metadata.cache !== false && metadata.persistent !== true && task.data.get(PROVISIONAL_HASH) !== true;
}

/**
 * Hashes a task (stage 6, before any cache is asked) and records its hash, the inputs that made
 * it and whether it is provisional in the task's data; returns the hash. Memoised per run.
 */
export async function hashTask(engine: Engine, task: TaskContext): Promise<string> {
  const hasher = taskHasherFor(engine, task);
  hasher.startsTask(task.id);
  const { hash, inputs, provisional } = await hasher.hash(task.id);
  task.data.set('orch:hash', hash);
  task.data.set('orch:hash-inputs', inputs);
  task.data.set(PROVISIONAL_HASH, provisional);
  return hash;
}

/**
 * Restores a cache entry into the task's folder and routes the task to the `cache` executor,
 * which replays its logs. Outputs that are exactly as orch last stored or restored them for
 * this hash (their fingerprint: outputsFingerprint.ts) are left in place: restoring would write
 * the same bytes. A corrupt entry is removed and the task runs instead.
 */
export async function restoreEntry(engine: Engine, task: TaskContext, cache: LocalCache, hash: string, source: 'local' | 'remote', found?: CacheEntry): Promise<{ executor: string } | undefined> {
  const entry = found ?? (await cache.get(hash, (problem) => engine.emit({ type: 'warning', message: `${task.id}: ${LocalCache.describe(problem)}`, source: PLUGIN_NAME })));
  if (!entry || entry.meta.exitCode !== 0) return undefined;
  const records = TaskRecords.of(engine);
  try {
    const place = await outputsPlace(engine, task, cache);
    const recorded = await records.get('outputs', task.id);
    // The daemon's full-hit check looked a moment ago: its verdict travels with the entry.
    const inPlace = entry.inPlace ?? (await outputsInPlace(recorded, place, hash, entry.meta).catch(() => undefined));
    if (inPlace) {
      if (inPlace !== recorded) records.put('outputs', task.id, inPlace);
      await cache.markUsed(entry);
    } else {
      const sources = await sourcesOf(engine, task);
      taskHasherFor(engine, task).filesWrittenBy(task.id);
      const kept = await cache.restore(entry, { folder: taskFolder(task), root: engine.config.root, outputs: task.command.metadata.outputs ?? [], protect: [resolve(engine.config.root, engine.config.stateDir)], ...(sources ? { sources } : {}) });
      const say = (paths: string[], what: string) => {
        if (paths.length > 0) engine.emit({ type: 'warning', message: `${task.id}: ${what} ${paths.length === 1 ? 'a file' : `${paths.length} files`} its outputs match but git tracks or does not ignore: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''} (docs/caching.md#outputs-that-cover-sources)`, source: PLUGIN_NAME });
      };
      say(kept.notDeleted, 'the restore kept');
      say(kept.notOverwritten, 'the restore did not overwrite');
      // A file left unlike the entry's is not "in place": the next hit looks at the content again
      // (and restores it once git ignores it), never at stat data taken of the file as it is.
      if (kept.notOverwritten.length === 0) records.put('outputs', task.id, takeOutputsFingerprint(place, hash));
    }
  } catch (error) {
    const refused = error instanceof CacheRefusal ? `refused: ${error.message}` : `not restored: ${describeFileError(error, taskFolder(task))}`;
    engine.emit({ type: 'warning', message: `${task.id}: ${source} cache entry ${refused}; running the task`, source: PLUGIN_NAME });
    // Only an entry found wrong goes: one the task's folder could not take (in the way, not writable) is still good.
    if (error instanceof CacheRefusal && !error.inTheWay) await cache.remove(hash).catch(() => undefined);
    return undefined;
  }
  task.data.set(ENTRY, entry);
  task.data.set('orch:cached', source);
  return { executor: 'cache' };
}

/**
 * Whether a hit of this entry would leave the task's outputs as they are (`outputsInPlace`):
 * what the daemon admits of a run (docs/daemon.md), since a restore can be refused, and the
 * task would then run in the daemon. Nothing is recorded: the fingerprint found is kept on the
 * entry (`CacheEntry.inPlace`), for the run's hit of it (`restoreEntry`).
 */
export async function outputsInPlaceFor(engine: Engine, task: Pick<TaskContext, 'id' | 'command' | 'root'>, cache: LocalCache, hash: string, entry: CacheEntry): Promise<boolean> {
  try {
    const recorded = await TaskRecords.of(engine).get('outputs', task.id);
    const inPlace = await outputsInPlace(recorded, await outputsPlace(engine, task, cache), hash, entry.meta);
    if (inPlace) entry.inPlace = inPlace;
    return inPlace !== undefined;
  } catch {
    return false;
  }
}

/** Where the task's outputs are, resolved as the cache resolves them (the folder with one system call). */
async function outputsPlace(engine: Engine, task: Pick<TaskContext, 'command' | 'root'>, cache: LocalCache): Promise<OutputsPlace> {
  const protect = await cache.resolvedProtect([resolve(engine.config.root, engine.config.stateDir)]);
  return { folder: cache.realFolder(taskFolder(task)), outputs: task.command.metadata.outputs ?? [], protect };
}

/**
 * The files of a task's folder git knows (tracked, or untracked and not ignored) and which of
 * them its hash took: a restore never deletes them, nor overwrites one the hash did not take
 * (FINDINGS-R2 #9). Undefined outside git.
 */
async function sourcesOf(engine: Engine, task: TaskContext): Promise<RestoreTarget['sources']> {
  const files = taskHasherFor(engine, task).files;
  await files.all();
  if (!files.inGit) return undefined;
  const folder = relative(engine.config.root, taskFolder(task)).split(sep).join('/');
  const prefix = folder === '' ? '' : `${folder}/`;
  const hashed = Object.keys((task.data.get('orch:hash-inputs') as { files?: Record<string, string> } | undefined)?.files ?? {});
  return {
    files: new Map((await files.under(folder)).map(([path, id]) => [path.slice(prefix.length), id])),
    hashed: new Set(hashed.filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length))),
  };
}

/**
 * The local cache (stage 6 and 10). Before execution: hash the task; on a hit, restore its
 * outputs and replay its logs instead of running it (the `cache` executor). After a success:
 * store outputs, logs, exit status and duration, and record the hash inputs for `orch explain`.
 */
export function localCachePlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const settings = engine.config.cache;
      const cache = LocalCache.of(engine);
      const records = TaskRecords.of(engine);

      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 100 }, async (task) => {
        const hash = await hashTask(engine, task);
        if (!cacheable(task) || settings.force || !settings.local.includes('r')) return undefined;
        const entry = await cache.get(hash, (problem) => engine.emit({ type: 'warning', message: `${task.id}: ${LocalCache.describe(problem)}`, source: PLUGIN_NAME }));
        if (!entry) return undefined;
        return restoreEntry(engine, task, cache, hash, 'local', entry);
      });

      // Replays the log of a restored entry, colours and all, streamed from the entry's file, as
      // fast as orch's own output takes it (a slow reader of orch's stdout holds the replay).
      engine.hooks.execute.for('cache').tapPromise(PLUGIN_NAME, async (task) => {
        const entry = task.data.get(ENTRY) as CacheEntry | undefined;
        if (!entry) return undefined;
        if (entry.log) {
          // The entry's log is the task's log of this run: nothing is copied.
          const bytes = entry.meta.log?.bytes;
          task.log.adopt?.(entry.log, bytes ?? 0);
          // A small log (most) replays without a promise per chunk; a very small one from meta.json.
          const small = entry.meta.log?.chunks ?? (bytes === undefined ? undefined : readSmallTaskLog(entry.log, bytes));
          if (small) {
            for (const chunk of small) if (!task.output(chunk.stream, chunk.text)) await task.drained();
          } else for await (const chunk of readTaskLog(entry.log, bytes)) if (!task.output(chunk.stream, chunk.text)) await task.drained();
        }
        return { exitCode: entry.meta.exitCode, durationMs: 0, completedSteps: task.command.steps.filter((step) => step.run !== undefined).length };
      });

      // Eviction after the run (its results are already out), at most once an hour.
      let wrote = false;
      const pending = new Set<Promise<unknown>>();

      // What processes killed while storing or removing an entry left in the staging folder goes
      // when the next run starts, beside its tasks.
      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type !== 'run-started') return;
        const sweep = cache.sweepStaging().catch(() => undefined);
        pending.add(sweep);
        void sweep.finally(() => pending.delete(sweep));
      });
      // Stores still writing when the last task ends are waited for here, so what they found
      // about the outputs is said once, before the summary (not after it, line by line).
      const outputWarnings = new OutputWarnings(engine.config.root);
      engine.hooks.settle.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all(pending);
        outputWarnings.flush(engine, PLUGIN_NAME);
      });
      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all(pending);
        // A run that ended without settling (a fatal error) still says them.
        outputWarnings.flush(engine, PLUGIN_NAME);
        if (!wrote) return;
        const stamp = join(cache.dir, '.last-eviction');
        const last = await stat(stamp).then((info) => info.mtimeMs, () => 0);
        if (Date.now() - last < EVICTION_INTERVAL_MS) return;
        await mkdir(cache.dir, { recursive: true });
        await writeFile(stamp, new Date().toISOString());
        await cache.evict(settings.maxBytes).catch((error: Error) => engine.emit({ type: 'warning', message: `cache eviction failed: ${error.message}`, source: PLUGIN_NAME }));
      });

      engine.hooks.persist.tapPromise(PLUGIN_NAME, async (task) => {
        const hash = task.data.get('orch:hash') as string | undefined;
        const inputs = task.data.get('orch:hash-inputs');
        if (!hash || !task.result) return;
        // The inputs of the hash, for `orch explain`: a hit with the hash last recorded adds nothing.
        if ((await records.hashOf('hash', task.id)) !== hash) records.put('hash', task.id, { hash, inputs: inputs as HashInputs });
        if (task.data.get('orch:cached') || !cacheable(task) || !settings.local.includes('w')) return;
        if (!task.log.complete) {
          engine.emit({ type: 'warning', message: `${task.id}: not cached: its log could not be written whole`, source: PLUGIN_NAME });
          return;
        }
        // Stored beside the next tasks, not in front of them; the run waits for it at the end,
        // and the remote upload waits for it (`orch:cache-put`). The log as it is now: output
        // written later (a saga's compensation) is not the task's.
        const log = task.log.files ? { files: task.log.files, bytes: task.log.bytes } : undefined;
        const { exitCode, durationMs } = task.result;
        const put = (async () => {
          try {
            // Taken before the outputs are copied: a change after it shows in their stat data.
            const place = await outputsPlace(engine, task, cache);
            const fingerprint = takeOutputsFingerprint(place, hash);
            const stored = await cache.put({
              hash,
              taskId: task.id,
              folder: taskFolder(task),
              root: engine.config.root,
              protect: [resolve(engine.config.root, engine.config.stateDir)],
              outputs: task.command.metadata.outputs ?? [],
              ...(log ? { log } : {}),
              exitCode,
              durationMs,
              ...(settings.ttlMs ? { ttlMs: settings.ttlMs } : {}),
            });
            wrote = true;
            records.put('outputs', task.id, fingerprint);
            for (const pattern of stored.unmatched) outputWarnings.add(task.id, `output '${pattern}' matched no file`);
            for (const pattern of stored.outside) outputWarnings.add(task.id, `output '${pattern}' points outside the task's folder; nothing there is cached or restored`);
          } catch (error) {
            // A full or read-only cache never fails a task.
            engine.emit({ type: 'warning', message: `${task.id}: not cached: ${describeFileError(error, engine.config.root)}`, source: PLUGIN_NAME });
          }
        })();
        pending.add(put);
        task.data.set('orch:cache-put', put);
        void put.finally(() => pending.delete(put));
      });
    },
  });
}
