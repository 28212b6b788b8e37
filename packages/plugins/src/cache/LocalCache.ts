import { randomUUID, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TaskLogFiles } from '@orch/engine';
import { glob } from 'tinyglobby';

/** One file of an entry. */
export interface CachedFile {
  /** Relative to the task's folder, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
  mode: number;
}

/**
 * The entry layout `meta.json` describes. 2: the log is `output.log` + `output.streams` (a task
 * log's files, as the engine writes them). 1 (no `format`): the log was `log.json`, read whole
 * into memory; such an entry is a miss, removed so the task's new entry can take its place.
 */
export const CACHE_FORMAT = 2;

/** What a cache entry records besides its files. */
export interface CacheMeta {
  /** The entry layout (`CACHE_FORMAT`); absent in entries of the first layout. */
  format?: number;
  hash: string;
  taskId: string;
  exitCode: number;
  durationMs: number;
  createdAt: string;
  /** When the entry stops being used (the reference design's `expires_at`); absent: never. */
  expiresAt?: string;
  files: CachedFile[];
  /** The output globs the entry was made for. */
  outputs: string[];
  /** What the hash was made of, for `orch explain`. */
  inputs?: unknown;
  /** The stored log's size in bytes; absent when the task printed nothing. */
  log?: { bytes: number };
}

export interface CacheEntry {
  meta: CacheMeta;
  /** The stored log (replayed on a hit with the engine's `readTaskLog`), when the task printed anything. */
  log?: TaskLogFiles;
  dir: string;
}

/** The task's log in an entry folder: the engine's log files under fixed names. */
const ENTRY_LOG: TaskLogFiles = { log: 'output.log', streams: 'output.streams' };

export type CacheProblem = { kind: 'corrupt'; hash: string; reason: string };

const ENTRY_FILES = 'files';

/**
 * The local cache: one folder per task hash under `dir`. An entry is written into a temporary
 * folder and committed by renaming it into place, so a crash never leaves an entry that looks
 * whole; `meta.json` is written last inside it. Reading verifies the entry; a corrupt one is
 * removed and reported, never restored.
 */
export class LocalCache {
  constructor(readonly dir: string) {}

  entryDir(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  /** The entry for a hash, if whole and not expired; `onProblem` hears about corrupt ones. */
  async get(hash: string, onProblem?: (problem: CacheProblem) => void): Promise<CacheEntry | undefined> {
    const dir = this.entryDir(hash);
    let meta: CacheMeta;
    try {
      meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return this.discard(hash, `meta.json unreadable: ${(error as Error).message}`, onProblem);
    }
    if (meta.format !== CACHE_FORMAT) {
      await this.remove(hash).catch(() => undefined);
      return undefined;
    }
    try {
      if (meta.hash !== hash || !Array.isArray(meta.files)) throw new Error('meta.json does not describe this entry');
      if (meta.log) {
        const info = await lstat(join(dir, ENTRY_LOG.log));
        if (!info.isFile() || info.size !== meta.log.bytes) throw new Error(`the stored log has ${info.size} bytes, expected ${meta.log.bytes}`);
        if (!(await lstat(join(dir, ENTRY_LOG.streams))).isFile()) throw new Error('the stored log has no stream index');
      }
      for (const file of meta.files) {
        if (!isSafePath(file.path)) throw new Error(`unsafe path in entry: ${file.path}`);
        const info = await lstat(join(dir, ENTRY_FILES, file.path));
        if (!info.isFile()) throw new Error(`${file.path} is not a regular file in the entry`);
        if (info.size !== file.size) throw new Error(`${file.path} has ${info.size} bytes, expected ${file.size}`);
      }
    } catch (error) {
      return this.discard(hash, (error as Error).message, onProblem);
    }
    if (meta.expiresAt && Date.parse(meta.expiresAt) < Date.now()) return undefined;
    return { meta, dir, ...(meta.log ? { log: { log: join(dir, ENTRY_LOG.log), streams: join(dir, ENTRY_LOG.streams) } } : {}) };
  }

  /** What an entry folder holds, for packing it (remote upload). */
  static parts(meta: CacheMeta): string[] {
    return ['meta.json', ENTRY_FILES, ...(meta.log ? [ENTRY_LOG.log, ENTRY_LOG.streams] : [])];
  }

  /**
   * Stores outputs (files matching `outputs` under `folder`) and the log (the first `bytes` of the
   * task's log file, streamed, with its stream index). Returns how many files were stored and
   * the output globs that matched nothing. When another process committed the same hash first,
   * theirs is kept (same content).
   */
  async put(input: { hash: string; taskId: string; folder: string; outputs: string[]; log?: { files: TaskLogFiles; bytes: number }; exitCode: number; durationMs: number; ttlMs?: number; inputs?: unknown }): Promise<{ files: number; unmatched: string[] }> {
    const staging = join(this.dir, 'tmp', randomUUID());
    const unmatched: string[] = [];
    const files: CachedFile[] = [];
    try {
      await mkdir(join(staging, ENTRY_FILES), { recursive: true });
      for (const pattern of input.outputs.filter((g) => !g.startsWith('!'))) {
        const matched = await glob(pattern, { cwd: input.folder, dot: true, onlyFiles: true, ignore: input.outputs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)) });
        if (matched.length === 0) unmatched.push(pattern);
        for (const path of matched.sort()) {
          if (files.some((f) => f.path === path)) continue;
          const source = join(input.folder, path);
          const info = await lstat(source);
          if (!info.isFile()) continue;
          const target = join(staging, ENTRY_FILES, path);
          await mkdir(dirname(target), { recursive: true });
          await copyFile(source, target);
          files.push({ path, size: info.size, mode: info.mode & 0o777, sha256: await sha256File(target) });
        }
      }
      const log = input.log && input.log.bytes > 0 ? input.log : undefined;
      if (log) {
        await pipeline(createReadStream(log.files.log, { end: log.bytes - 1 }), createWriteStream(join(staging, ENTRY_LOG.log)));
        const stored = (await stat(join(staging, ENTRY_LOG.log))).size;
        if (stored !== log.bytes) throw new Error(`its log has ${stored} bytes, expected ${log.bytes}`);
        // Switches past `bytes` (output after the task ended) are ignored on replay.
        await copyFile(log.files.streams, join(staging, ENTRY_LOG.streams));
      }
      const meta: CacheMeta = {
        format: CACHE_FORMAT,
        hash: input.hash,
        taskId: input.taskId,
        exitCode: input.exitCode,
        durationMs: input.durationMs,
        createdAt: new Date().toISOString(),
        ...(input.ttlMs ? { expiresAt: new Date(Date.now() + input.ttlMs).toISOString() } : {}),
        files,
        outputs: input.outputs,
        ...(input.inputs === undefined ? {} : { inputs: input.inputs }),
        ...(log ? { log: { bytes: log.bytes } } : {}),
      };
      await writeFile(join(staging, 'meta.json'), JSON.stringify(meta));
      const final = this.entryDir(input.hash);
      await mkdir(dirname(final), { recursive: true });
      try {
        await rename(staging, final);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Another process committed the same hash first: the same content, keep theirs.
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
      return { files: files.length, unmatched };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Puts an entry's files back under `folder`: files matching the entry's outputs there now are
   * deleted first (stale outputs), then each file is copied and its checksum verified. Paths are
   * checked before anything is written: nothing lands outside `folder`.
   */
  async restore(entry: CacheEntry, folder: string): Promise<void> {
    for (const file of entry.meta.files) if (!isSafePath(file.path)) throw new Error(`refusing to restore ${file.path}: outside the task's folder`);
    // Verify everything before touching the folder: a corrupt entry changes nothing.
    for (const file of entry.meta.files) {
      if ((await sha256File(join(entry.dir, ENTRY_FILES, file.path))) !== file.sha256) throw new Error(`${file.path} in the cache entry is corrupt (checksum mismatch)`);
    }
    const include = entry.meta.outputs.filter((g) => !g.startsWith('!'));
    if (include.length > 0) {
      const stale = await glob(include, { cwd: folder, dot: true, onlyFiles: true, ignore: entry.meta.outputs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)) });
      await Promise.all(stale.map((path) => rm(join(folder, path), { force: true })));
    }
    for (const file of entry.meta.files) {
      const source = join(entry.dir, ENTRY_FILES, file.path);
      const target = join(folder, file.path);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, target);
    }
    const now = new Date();
    await utimes(join(entry.dir, 'meta.json'), now, now).catch(() => undefined);
  }

  async remove(hash: string): Promise<void> {
    await rm(this.entryDir(hash), { recursive: true, force: true });
  }

  /** Every entry with its size and last use (the modification time of meta.json). */
  async list(): Promise<{ hash: string; bytes: number; usedAt: number; expiresAt?: number }[]> {
    const out: { hash: string; bytes: number; usedAt: number; expiresAt?: number }[] = [];
    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards.filter((s) => s.length === 2)) {
      for (const hash of await readdir(join(this.dir, shard)).catch(() => [] as string[])) {
        const dir = join(this.dir, shard, hash);
        try {
          const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
          const info = await stat(join(dir, 'meta.json'));
          const bytes = meta.files.reduce((sum, f) => sum + f.size, 0) + (meta.log?.bytes ?? 0) + info.size;
          out.push({ hash, bytes, usedAt: info.mtimeMs, ...(meta.expiresAt ? { expiresAt: Date.parse(meta.expiresAt) } : {}) });
        } catch {
          out.push({ hash, bytes: 0, usedAt: 0 });
        }
      }
    }
    return out;
  }

  /**
   * Removes expired entries, then the least recently used ones until the cache fits in
   * `maxBytes`. Returns what was removed.
   */
  async evict(maxBytes: number, now = Date.now()): Promise<{ removed: number; freedBytes: number; keptBytes: number }> {
    const entries = await this.list();
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    let removed = 0;
    let freedBytes = 0;
    const drop = async (entry: (typeof entries)[number]) => {
      await this.remove(entry.hash);
      total -= entry.bytes;
      freedBytes += entry.bytes;
      removed++;
    };
    for (const entry of entries.filter((e) => e.expiresAt !== undefined && e.expiresAt < now)) await drop(entry);
    const live = entries.filter((e) => !(e.expiresAt !== undefined && e.expiresAt < now)).sort((a, b) => a.usedAt - b.usedAt);
    for (const entry of live) {
      if (total <= maxBytes) break;
      await drop(entry);
    }
    await rm(join(this.dir, 'tmp'), { recursive: true, force: true }).catch(() => undefined);
    return { removed, freedBytes, keptBytes: total };
  }

  /** Removes entries last used before `before` (ms since the epoch), or all. */
  async clean(before = Number.POSITIVE_INFINITY): Promise<{ removed: number; freedBytes: number }> {
    let removed = 0;
    let freedBytes = 0;
    for (const entry of await this.list()) {
      if (entry.usedAt >= before) continue;
      await this.remove(entry.hash);
      removed++;
      freedBytes += entry.bytes;
    }
    return { removed, freedBytes };
  }

  private async discard(hash: string, reason: string, onProblem?: (problem: CacheProblem) => void): Promise<undefined> {
    onProblem?.({ kind: 'corrupt', hash, reason });
    await this.remove(hash).catch(() => undefined);
    return undefined;
  }
}

/** A relative path that stays inside its folder. */
export function isSafePath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\0')) return false;
  return !normalize(path).split(sep).includes('..');
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
