import { resolve } from 'node:path';
import { definePlugin, STAGE_ORDER, type ResolvedCacheConfig } from '@orch/engine';
import { LocalCache } from './LocalCache.js';
import { cacheable, PROVISIONAL_HASH, restoreEntry } from './LocalCachePlugin.js';
import { describeFileError } from './describeFileError.js';
import { RemoteCache, RemoteCacheError } from './RemoteCache.js';
import { ArtifactRefusal, unpackArtifact } from './unpackArtifact.js';
import { remoteCacheTrust } from './remoteCacheTrust.js';
import { taskHasherFor } from './taskHasherFor.js';
import { UploadQueue } from './UploadQueue.js';

const PLUGIN_NAME = 'orch:cache-remote';

/** Task data: the promise of the task's upload, true once the entry is on the server, false when it is not (a warning said why). Never rejects. */
export const REMOTE_UPLOAD = 'orch:cache-upload';

/** A client for the configured remote cache, or undefined when none is configured. */
export function remoteCacheClient(settings: ResolvedCacheConfig): RemoteCache | undefined {
  const remote = settings.remote;
  if (!remote) return undefined;
  const tokenEnv = remote.tokenEnv ?? 'ORCH_REMOTE_CACHE_TOKEN';
  const token = process.env[tokenEnv] ?? process.env.TURBO_TOKEN;
  const { signatureKey } = remoteCacheTrust(remote);
  return new RemoteCache({
    url: remote.url,
    timeoutMs: remote.timeoutMs,
    verify: remote.verify,
    ...(remote.maxArtifactBytes === undefined ? {} : { maxArtifactBytes: remote.maxArtifactBytes }),
    ...(token ? { token } : {}),
    tokenVariables: `${tokenEnv}${remote.tokenEnv ? ' (cache.remote.tokenEnv)' : ''} or TURBO_TOKEN`,
    ...(remote.team ? { team: remote.team } : {}),
    ...(signatureKey ? { signatureKey } : {}),
  });
}

/** Where pending uploads are recorded: `<stateDir>/remote-uploads/`. */
export function uploadQueueFor(root: string, stateDir: string): UploadQueue {
  return new UploadQueue(resolve(root, stateDir, 'remote-uploads'));
}

/**
 * The remote cache (a Turborepo-compatible server). Read after the local cache misses, and
 * only when downloads can be trusted (`remoteCacheTrust`): a remote hit is unpacked into the
 * local cache, then restored from there under the same rules as a local one. After a task is
 * stored locally, its entry is recorded in the upload queue and uploaded in the background;
 * what an earlier run left in the queue is uploaded when a run starts. A failing server never
 * fails a run: each problem is a warning, and after three failures in a row the server is not
 * called again this run (what is left stays queued for the next).
 */
export function remoteCachePlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const settings = engine.config.cache;
      const remoteSettings = settings.remote;
      const remote = remoteCacheClient(settings);
      if (!remoteSettings || !remote) return;
      const trust = remoteCacheTrust(remoteSettings);
      const local = new LocalCache(resolve(engine.config.root, settings.dir));
      const queue = uploadQueueFor(engine.config.root, engine.config.stateDir);
      const warn = (message: string): void => {
        engine.emit({ type: 'warning', message: remote.open ? `${message} (remote cache off for the rest of this run)` : message, source: PLUGIN_NAME });
      };
      const uploads = new Set<Promise<unknown>>();
      const inBackground = (work: Promise<unknown>): void => {
        uploads.add(work);
        void work.finally(() => uploads.delete(work));
      };
      /** Uploads a committed local entry (true once uploaded); it stays queued while the circuit is open or the upload fails. */
      const upload = async (hash: string, taskId: string): Promise<boolean> => {
        const entry = await local.get(hash);
        if (!entry) {
          await queue.done(hash);
          return false;
        }
        if (remote.open) return false;
        const artifact = await local.newTmpFile('.tgz');
        try {
          await pack(entry.dir, LocalCache.parts(entry.meta), artifact);
          await putWithRetries(remote, hash, artifact, entry.meta.durationMs);
          await queue.done(hash);
          return true;
        } catch (error) {
          warn(`${taskId}: not uploaded: ${describeFileError(error, engine.config.root)}`);
          return false;
        } finally {
          await local.removeTmp(artifact);
        }
      };
      let refusalTold = false;
      const passingThrough = new Set<string>();

      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 50 }, async (task) => {
        if (!cacheable(task) || settings.force || !remoteSettings.access.includes('r') || remote.open) return undefined;
        if (trust.reads === 'refused') {
          if (!refusalTold) warn(`remote cache reads are ${trust.describe}`);
          refusalTold = true;
          return undefined;
        }
        let hash = task.data.get('orch:hash') as string | undefined;
        if (hash === undefined) {
          const hashed = await taskHasherFor(engine, task).hash(task.id);
          hash = hashed.hash;
          task.data.set(PROVISIONAL_HASH, hashed.provisional);
          if (hashed.provisional) return undefined;
        }
        task.data.set('orch:hash', hash);
        try {
          if (!(await downloadEntry(local, remote, hash))) return undefined;
        } catch (error) {
          if (error instanceof ArtifactRefusal) warn(`${task.id}: refused the remote artifact for ${hash.slice(0, 12)}: ${error.message}; running the task`);
          else if (error instanceof RemoteCacheError) warn(`${task.id}: ${error.message}`);
          else warn(`${task.id}: the remote artifact could not be unpacked: ${describeFileError(error, engine.config.root)}`);
          return undefined;
        }
        // The entry goes through the local cache folder to be restored (and its log replayed) under
        // its rules; with local writes off (`--cache=local:off` or `local:r`) it is removed when the
        // run ends, never kept (findings R2 #17).
        if (!settings.local.includes('w')) passingThrough.add(hash);
        return restoreEntry(engine, task, local, hash, 'remote');
      });

      engine.hooks.persist.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.late }, (task) => {
        const hash = task.data.get('orch:hash') as string | undefined;
        if (!hash || task.data.get('orch:cached') === 'remote' || !cacheable(task) || !remoteSettings.access.includes('w')) return;
        // Queued before the local entry is even committed: a crash at any point leaves the record.
        const work = (async () => {
          await queue.add(hash, task.id);
          await (task.data.get('orch:cache-put') as Promise<void> | undefined);
          return upload(hash, task.id);
        })().catch((error: Error) => {
          warn(`${task.id}: not uploaded: ${error.message}`);
          return false;
        });
        // A distributed run waits for it before what depends on the task starts on another machine.
        task.data.set(REMOTE_UPLOAD, work);
        inBackground(work);
      });

      // What earlier runs could not upload (killed, server down) goes first, beside this run.
      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type !== 'run-started' || !remoteSettings.access.includes('w')) return;
        const retry = (async () => {
          const pending = await queue.pending();
          if (pending.length === 0) return;
          warn(`remote cache: uploading ${pending.length} entr${pending.length === 1 ? 'y' : 'ies'} an earlier run left pending`);
          for (const record of pending) await upload(record.hash, record.taskId);
        })().catch((error: Error) => warn(`remote cache: pending uploads not retried: ${error.message}`));
        inBackground(retry);
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        for (const hash of passingThrough) await local.remove(hash).catch(() => undefined);
        while (uploads.size > 0) await Promise.all(uploads);
        if (!remoteSettings.access.includes('w')) return;
        const left = (await queue.pending()).length;
        if (left > 0) warn(`remote cache: ${left} upload${left === 1 ? '' : 's'} pending (${queue.dir}); the next run retries ${left === 1 ? 'it' : 'them'}`);
      });
    },
  });
}

/** A local entry folder as a gzipped tar in `file`: its parts (`LocalCache.parts`), regular files only (links are described in meta.json). */
async function pack(dir: string, parts: string[], file: string): Promise<void> {
  const tar = await import('tar');
  await tar.create({ gzip: true, cwd: dir, portable: true, file }, parts);
}

/**
 * Downloads the remote entry for `hash` into the local cache (unpacked, checked and committed
 * as a remote hit is); false when the server has none. Throws `ArtifactRefusal` (bad signature,
 * unsafe archive) or `RemoteCacheError` (server error).
 */
export async function downloadEntry(local: LocalCache, remote: RemoteCache, hash: string): Promise<boolean> {
  const download = await local.newTmpFile('.download');
  try {
    if (!(await remote.get(hash, download))) return false;
    await unpackInto(local, hash, download, remote.maxArtifactBytes);
    return true;
  } finally {
    await local.removeTmp(download);
  }
}

/** Unpacks a downloaded artifact into a staging folder and commits it as a local entry (checked again when read). */
async function unpackInto(local: LocalCache, hash: string, file: string, maxBytes: number): Promise<void> {
  const staging = await local.newStaging();
  try {
    await unpackArtifact(file, staging, maxBytes);
    await local.commitUnpacked(staging, hash);
  } finally {
    await local.removeTmp(staging);
  }
}

/** Waits before the second and third attempt of an upload, in ms. */
const UPLOAD_RETRY_DELAYS_MS = [250, 1000];

/**
 * Uploads an artifact, trying again (twice, after 250 ms and 1 s) when the attempt failed in a
 * way a second one may not: the connection reset or closed mid-way (a kept-alive connection the
 * server had just closed), no answer in time, or a 5xx. A refusal (4xx: the token, the size) is
 * final, as is an open circuit. Turborepo's client retries its requests the same way.
 */
export async function putWithRetries(remote: RemoteCache, hash: string, artifact: string, durationMs: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await remote.put(hash, artifact, durationMs);
      return;
    } catch (error) {
      const delay = UPLOAD_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || remote.open || !transient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function transient(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return !/refused|answered 4\d\d|no token|off for the rest/.test(message);
}
