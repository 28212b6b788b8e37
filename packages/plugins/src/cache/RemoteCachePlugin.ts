import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { definePlugin, STAGE_ORDER, type ResolvedCacheConfig } from '@orch/engine';
import { LocalCache } from './LocalCache.js';
import { cacheable, restoreEntry } from './LocalCachePlugin.js';
import { RemoteCache } from './RemoteCache.js';
import { taskHasherFor } from './taskHasherFor.js';

const PLUGIN_NAME = 'orch:cache-remote';

/**
 * The remote cache (a Turborepo-compatible server). Read after the local cache misses: a
 * remote hit is unpacked into the local cache, then restored from there. After a task is
 * stored locally, its entry is uploaded in the background (the run waits for uploads before
 * it ends). A failing server never fails a run: each problem is a warning, and after three
 * failures in a row the server is not called again this run.
 */
/** A client for the configured remote cache, or undefined when none is configured. */
export function remoteCacheClient(settings: ResolvedCacheConfig): RemoteCache | undefined {
  const remote = settings.remote;
  if (!remote) return undefined;
  const token = process.env[remote.tokenEnv ?? 'ORCH_REMOTE_CACHE_TOKEN'] ?? process.env.TURBO_TOKEN;
  const signatureKey = remote.signatureKeyEnv ? process.env[remote.signatureKeyEnv] : undefined;
  return new RemoteCache({
    url: remote.url,
    timeoutMs: remote.timeoutMs,
    ...(token ? { token } : {}),
    ...(remote.team ? { team: remote.team } : {}),
    ...(signatureKey ? { signatureKey } : {}),
  });
}

export function remoteCachePlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const settings = engine.config.cache;
      const remoteSettings = settings.remote;
      const remote = remoteCacheClient(settings);
      if (!remoteSettings || !remote) return;
      const signatureKey = remoteSettings.signatureKeyEnv ? process.env[remoteSettings.signatureKeyEnv] : undefined;
      const local = new LocalCache(resolve(engine.config.root, settings.dir));
      const warn = (message: string): void => {
        engine.emit({ type: 'warning', message: remote.open ? `${message} (remote cache off for the rest of this run)` : message, source: PLUGIN_NAME });
      };
      const uploads = new Set<Promise<void>>();
      if (remoteSettings.signatureKeyEnv && !signatureKey) warn(`cache.remote.signatureKeyEnv names ${remoteSettings.signatureKeyEnv}, which is not set: artifacts are neither signed nor checked`);

      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 50 }, async (task) => {
        if (!cacheable(task) || settings.force || !remoteSettings.access.includes('r') || remote.open) return undefined;
        const hash = (task.data.get('orch:hash') as string | undefined) ?? (await taskHasherFor(engine, task).hash(task.id)).hash;
        task.data.set('orch:hash', hash);
        let artifact: Awaited<ReturnType<RemoteCache['get']>>;
        try {
          artifact = await remote.get(hash);
        } catch (error) {
          warn(`${task.id}: ${(error as Error).message}`);
          return undefined;
        }
        if (!artifact) return undefined;
        try {
          await unpackInto(local, hash, artifact.payload);
        } catch (error) {
          warn(`${task.id}: the remote artifact could not be unpacked: ${(error as Error).message}`);
          return undefined;
        }
        return restoreEntry(engine, task, local, hash, 'remote');
      });

      engine.hooks.persist.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.late }, (task) => {
        const hash = task.data.get('orch:hash') as string | undefined;
        if (!hash || task.data.get('orch:cached') === 'remote' || !cacheable(task) || !remoteSettings.access.includes('w') || remote.open) return;
        const upload = (async () => {
          await (task.data.get('orch:cache-put') as Promise<void> | undefined);
          const entry = await local.get(hash);
          if (!entry) return;
          const payload = await pack(entry.dir, LocalCache.parts(entry.meta));
          await remote.put(hash, payload, entry.meta.durationMs);
        })().catch((error: Error) => warn(`${task.id}: not uploaded: ${error.message}`));
        uploads.add(upload);
        void upload.finally(() => uploads.delete(upload));
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all(uploads);
      });
    },
  });
}

/** A local entry folder as a gzipped tar. */
async function pack(dir: string, parts: string[]): Promise<Buffer> {
  const tar = await import('tar');
  const chunks: Buffer[] = [];
  const stream = tar.create({ gzip: true, cwd: dir, portable: true }, parts);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Unpacks an artifact into a temporary folder, checks it as a local entry, and commits it. */
async function unpackInto(local: LocalCache, hash: string, payload: Buffer): Promise<void> {
  const tar = await import('tar');
  const staging = join(local.dir, 'tmp', randomUUID());
  await mkdir(staging, { recursive: true });
  try {
    // tar refuses absolute paths and `..` on its own; links are not extracted.
    await pipeline(Readable.from(payload), tar.extract({ cwd: staging, strict: true, filter: (_path, entry) => (entry as { type?: string }).type !== 'SymbolicLink' && (entry as { type?: string }).type !== 'Link' }));
    const final = local.entryDir(hash);
    await mkdir(dirname(final), { recursive: true });
    await rename(staging, final).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
