import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fstatSync, lstatSync, openSync, readFileSync, readSync, realpathSync, statSync, utimesSync, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readSmallTaskLog, type Engine, type OutputChunk, type TaskLogFiles } from '@orch/engine';
import { processAlive } from '../session/SessionStore.js';
import { CacheRefusal, confinedLinkTarget, isSafePath } from './confinedPath.js';
import { describeFileError } from './describeFileError.js';
import { OutputMatcher } from './OutputMatcher.js';
import type { OutputsFingerprint } from './outputsFingerprint.js';
import { restoreOutputs, type RestoreKept, type RestoreTarget } from './restoreOutputs.js';
import { sha256File } from './sha256File.js';

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

/** A symbolic link among the outputs, kept as a link (never followed when stored). */
export interface CachedLink {
  /** Relative to the task's folder, `/`-separated. */
  path: string;
  /** The link's target, relative to the link's folder, `/`-separated; it stays inside the repository. */
  target: string;
}

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
  /** Symbolic links among the outputs; absent in entries made before links were kept. */
  links?: CachedLink[];
  /** The output globs the entry was made for: information only, a restore goes by the current config's. */
  outputs: string[];
  /**
   * The stored log's size in bytes; absent when the task printed nothing. A log of up to
   * `INLINE_LOG_BYTES` is also held here as the chunks its replay prints (`chunks`): a hit replays
   * it without reading `output.log` and `output.streams`, which stay for `orch logs` and uploads.
   */
  log?: { bytes: number; chunks?: OutputChunk[] };
}

/**
 * A log this small (in bytes, its stream index too) is also kept in `meta.json` as its chunks:
 * a full hit of hundreds of quiet tasks then reads one file an entry, not three (issue 13).
 */
export const INLINE_LOG_BYTES = 4096;

export interface CacheEntry {
  meta: CacheMeta;
  /** When the entry was last used, as read (ms since the epoch: the modification time of its meta.json). */
  usedAt?: number;
  /** The stored log (replayed on a hit with the engine's `readTaskLog`), when the task printed anything. */
  log?: TaskLogFiles;
  dir: string;
  /**
   * Set by the daemon's full-hit check on an entry it read ahead (`readAhead`): the outputs'
   * fingerprint it found in place, so the run's hit of this entry does not look again.
   */
  inPlace?: OutputsFingerprint;
}

/** The task's log in an entry folder: the engine's log files under fixed names. */
const ENTRY_LOG: TaskLogFiles = { log: 'output.log', streams: 'output.streams' };

/**
 * A cache entry that cannot be used, in words: `file` is relative to the cache folder
 * (`ab/ab12…/files/dist/out.txt`) and `reason` says what is wrong with it (`is missing`,
 * `has 7 bytes, expected 19`), never quoting the file's content or Node's raw error.
 */
export type CacheProblem = { kind: 'corrupt'; hash: string; file: string; reason: string };

/** What is wrong with one file of an entry (relative to the entry folder). */
class EntryProblem extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} ${reason}`);
  }
}

/**
 * One of the files orch names in an entry folder (`meta.json`, the log's): `dir` is normalised
 * (`entryDir`) and the name is plain, so `join`'s normalising, which a full hit paid for every
 * entry's three or four names, would change nothing.
 */
function entryPath(dir: string, name: string): string {
  return `${dir}${sep}${name}`;
}

/**
 * Where `readMeta` reads a `meta.json` (a few KB; a larger one is read whole): one buffer for the
 * process, as the reads are synchronous, so a full hit's hundreds of reads allocate only the text.
 */
const META_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * An entry's `meta.json`, parsed, and when the entry was last used (its modification time, read
 * from the open file: no second lookup); an EntryProblem when it cannot be read or is not an object.
 */
function readMeta(dir: string): { meta: CacheMeta; usedAt: number } {
  let text: string;
  let usedAt: number;
  try {
    // Read at once: small, and a full hit reads hundreds (no round trips through the thread pool).
    const fd = openSync(entryPath(dir, 'meta.json'), 'r');
    try {
      usedAt = fstatSync(fd).mtimeMs;
      const read = readSync(fd, META_BUFFER, 0, META_BUFFER.length, 0);
      text = read < META_BUFFER.length ? META_BUFFER.toString('utf8', 0, read) : readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    throw new EntryProblem('meta.json', `cannot be read (${describeFileError(error)})`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new EntryProblem('meta.json', 'is not valid JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new EntryProblem('meta.json', 'is not a JSON object');
  return { meta: meta as CacheMeta, usedAt };
}

/**
 * The file of an entry at `path` (relative to the entry folder), as lstat sees it; missing or
 * unreadable is an EntryProblem. `file` is where it is: a name of orch's own (`entryPath`), or
 * a path `meta.json` lists, joined and normalised.
 */
function entryFile(dir: string, path: string, file = join(dir, path)): Stats {
  try {
    return lstatSync(file);
  } catch (error) {
    throw new EntryProblem(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${describeFileError(error)})`);
  }
}

/**
 * Checks that `meta.json` describes the entry in `dir`: its hash, a run that succeeded, its lists, the log and each
 * file of the recorded size and mode (a restore copies the cached file with its mode: no setuid
 * and the like), and each path and link safe. Throws an EntryProblem.
 */
function checkEntry(dir: string, hash: string, meta: CacheMeta): void {
  if (meta.hash !== hash) throw new EntryProblem('meta.json', 'is for another hash');
  // Only a run that succeeded is stored (docs/caching.md): any other exit code was written by hand or by another tool.
  if (meta.exitCode !== 0) throw new EntryProblem('meta.json', `records a run that did not succeed (exit code ${JSON.stringify(meta.exitCode) ?? 'missing'}); orch stores only runs that succeeded`);
  if (!Array.isArray(meta.files) || !(meta.links === undefined || Array.isArray(meta.links))) throw new EntryProblem('meta.json', 'does not list the files and links of an entry');
  if (meta.log !== undefined) {
    if (typeof meta.log !== 'object' || meta.log === null || !Number.isSafeInteger(meta.log.bytes) || meta.log.bytes < 1) throw new EntryProblem('meta.json', 'describes its log wrongly (expected `log: { bytes }`, a whole number of bytes above 0)');
    // Replayed from meta.json: what `put` keeps there, no more (each byte of a log is at most one character of its text).
    if (meta.log.chunks !== undefined && !(isChunkList(meta.log.chunks) && meta.log.bytes <= INLINE_LOG_BYTES && meta.log.chunks.reduce((length, chunk) => length + chunk.text.length, 0) <= meta.log.bytes)) {
      throw new EntryProblem('meta.json', `holds a log that is not chunks of stdout and stderr text of at most its ${meta.log.bytes} bytes (${INLINE_LOG_BYTES} at most)`);
    }
    // The log's files are checked all the same: `orch logs` reads them, an upload sends them.
    const info = entryFile(dir, ENTRY_LOG.log, entryPath(dir, ENTRY_LOG.log));
    if (!info.isFile()) throw new EntryProblem(ENTRY_LOG.log, 'is not a regular file');
    if (info.size !== meta.log.bytes) throw new EntryProblem(ENTRY_LOG.log, `has ${info.size} bytes, expected ${meta.log.bytes}`);
    if (!entryFile(dir, ENTRY_LOG.streams, entryPath(dir, ENTRY_LOG.streams)).isFile()) throw new EntryProblem(ENTRY_LOG.streams, 'is not a regular file');
  }
  for (const file of meta.files) {
    if (typeof file?.path !== 'string' || !isSafePath(file.path)) throw new EntryProblem('meta.json', 'lists a file path that leaves the entry');
    const path = `${ENTRY_FILES}/${file.path}`;
    const info = entryFile(dir, path);
    if (!info.isFile()) throw new EntryProblem(path, 'is not a regular file');
    if (info.size !== file.size) throw new EntryProblem(path, `has ${info.size} bytes, expected ${file.size}`);
    if ((info.mode & 0o7777) !== (file.mode & 0o777)) throw new EntryProblem(path, `has mode ${(info.mode & 0o7777).toString(8)}, expected ${(file.mode & 0o777).toString(8)}`);
  }
  for (const link of meta.links ?? []) {
    if (typeof link?.path !== 'string' || !isSafePath(link.path) || typeof link.target !== 'string') throw new EntryProblem('meta.json', 'lists a link path that leaves the entry');
  }
}

/** What to store: a task's outputs under its folder, its log and its result. */
export interface StoreRequest {
  hash: string;
  taskId: string;
  /** The task's folder (its package, or the root); output globs are relative to it. */
  folder: string;
  /** The repository root: a symbolic link among the outputs must point inside it. */
  root: string;
  outputs: string[];
  /** Folders never stored from (orch's state folder); the cache's own is added. */
  protect?: readonly string[];
  /** The task's log files and how many bytes of the log are the task's. */
  log?: { files: TaskLogFiles; bytes: number };
  exitCode: number;
  durationMs: number;
  ttlMs?: number;
}

const ENTRY_FILES = 'files';
const perEngine = new WeakMap<Engine, LocalCache>();
/** How precisely an entry's last use is recorded (`markUsed`): eviction looks at most once an hour. */
const USE_RESOLUTION_MS = 60 * 60_000;

/** An entry past its `expiresAt` (`cache.ttl`) is not used. */
function expired(meta: CacheMeta): boolean {
  return meta.expiresAt !== undefined && Date.parse(meta.expiresAt) < Date.now();
}
/** Staging and trash folders are named after their process: `pid<pid>-<uuid>`. */
const OWNED = /^pid(\d+)-/;
/** A folder in `tmp/` this old is removed whoever owns it: no store or removal lasts a day. */
const ORPHAN_AGE_MS = 24 * 60 * 60_000;

/**
 * The local cache: one folder per task hash under `dir`. An entry is written into a staging
 * folder (`tmp/pid<pid>-<uuid>`) and committed by renaming it into place, so a crash never
 * leaves an entry that looks whole; `meta.json` is written last inside it. Removing an entry
 * renames it into `tmp/` first, so a crash never leaves a half-removed one under its hash.
 * Reading verifies the entry; a corrupt one is removed and reported, never restored. What a
 * restore may delete and write is decided by the task's current outputs (`restoreOutputs`).
 */
export class LocalCache {
  private readonly resolved = new Map<string, Promise<string>>();
  /** Entries `readAhead` read for the run about to start, each taken by that run's first `get` of its hash. */
  private readonly readAheadEntries = new Map<string, CacheEntry>();
  private readonly realFolders = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** The local cache of an engine's config (`cache.dir`), one instance shared by what the engine's invocation does. */
  static of(engine: Engine): LocalCache {
    let cache = perEngine.get(engine);
    if (!cache) {
      cache = new LocalCache(resolve(engine.config.root, engine.config.cache.dir));
      perEngine.set(engine, cache);
    }
    return cache;
  }

  entryDir(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  /**
   * `get`, for a run about to start on this instance (the daemon's full-hit check reads every
   * entry of the run first): the entry is kept, and the run's first `get` of the hash takes it
   * instead of reading and checking it again. Taken once: a later `get` reads the entry afresh.
   * A corrupt entry is left in place: the run that meets it discards it and says so.
   */
  async readAhead(hash: string): Promise<CacheEntry | undefined> {
    const entry = await this.get(hash, undefined, { leaveCorrupt: true });
    if (entry) this.readAheadEntries.set(hash, entry);
    return entry;
  }

  /** The entry for a hash, if whole and not expired; `onProblem` hears about corrupt ones. */
  async get(hash: string, onProblem?: (problem: CacheProblem) => void, options: { leaveCorrupt?: boolean } = {}): Promise<CacheEntry | undefined> {
    const ahead = this.readAheadEntries.get(hash);
    if (ahead) {
      this.readAheadEntries.delete(hash);
      if (!expired(ahead.meta)) return ahead;
    }
    const dir = this.entryDir(hash);
    let meta: CacheMeta;
    let usedAt: number;
    try {
      ({ meta, usedAt } = readMeta(dir));
    } catch (error) {
      // No entry (or no cache folder, a file in its place) is a miss, not a corrupt entry.
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      return options.leaveCorrupt ? undefined : this.discard(hash, error, onProblem);
    }
    if (meta.format !== CACHE_FORMAT) {
      await this.remove(hash).catch(() => undefined);
      return undefined;
    }
    try {
      checkEntry(dir, hash, meta);
    } catch (error) {
      return options.leaveCorrupt ? undefined : this.discard(hash, error, onProblem);
    }
    if (expired(meta)) return undefined;
    return { meta, usedAt, dir, ...(meta.log ? { log: { log: entryPath(dir, ENTRY_LOG.log), streams: entryPath(dir, ENTRY_LOG.streams) } } : {}) };
  }

  /** What an entry folder holds, for packing it (remote upload). */
  static parts(meta: CacheMeta): string[] {
    return ['meta.json', ENTRY_FILES, ...(meta.log ? [ENTRY_LOG.log, ENTRY_LOG.streams] : [])];
  }

  /**
   * Stores outputs (what `outputs` matches under `folder`: regular files, and symbolic links as
   * links) and the log (the first `bytes` of the task's log file, streamed, with its stream
   * index). Returns how many files and links were stored, the output globs that
   * matched nothing and those that point outside the folder (ignored). Throws a CacheRefusal
   * when a link points outside the repository: the entry is not stored, since restoring it
   * without that link would give other outputs than the task made. When another process
   * committed the same hash first, theirs is kept (same content).
   */
  async put(input: StoreRequest): Promise<{ files: number; links: number; unmatched: string[]; outside: string[] }> {
    const staging = await this.newStaging();
    try {
      const matcher = new OutputMatcher(input.outputs);
      const [folder, root] = await Promise.all([realpath(input.folder), realpath(input.root)]);
      const paths = await matcher.find(folder, await this.protected(input.protect));
      const files: CachedFile[] = [];
      const links: CachedLink[] = [];
      for (const path of paths) {
        const source = join(folder, path);
        const info = await lstat(source);
        if (info.isSymbolicLink()) {
          links.push({ path, target: await confinedLinkTarget(root, source, await readlink(source), path) });
          continue;
        }
        if (!info.isFile()) continue;
        const target = join(staging, ENTRY_FILES, path);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(source, target);
        if (info.mode & 0o7000) await chmod(target, info.mode & 0o777);
        files.push({ path, size: info.size, mode: info.mode & 0o777, sha256: await sha256File(target) });
      }
      const log = input.log && input.log.bytes > 0 ? input.log : undefined;
      if (log) {
        await pipeline(createReadStream(log.files.log, { end: log.bytes - 1 }), createWriteStream(join(staging, ENTRY_LOG.log)));
        const stored = (await stat(join(staging, ENTRY_LOG.log))).size;
        if (stored !== log.bytes) throw new Error(`its log has ${stored} bytes, expected ${log.bytes}`);
        // Switches past `bytes` (output after the task ended) are ignored on replay.
        await copyFile(log.files.streams, join(staging, ENTRY_LOG.streams));
      }
      const chunks = log && log.bytes <= INLINE_LOG_BYTES ? inlineChunks({ log: join(staging, ENTRY_LOG.log), streams: join(staging, ENTRY_LOG.streams) }, log.bytes) : undefined;
      const meta: CacheMeta = {
        format: CACHE_FORMAT,
        hash: input.hash,
        taskId: input.taskId,
        exitCode: input.exitCode,
        durationMs: input.durationMs,
        createdAt: new Date().toISOString(),
        ...(input.ttlMs ? { expiresAt: new Date(Date.now() + input.ttlMs).toISOString() } : {}),
        files,
        ...(links.length > 0 ? { links } : {}),
        outputs: input.outputs,
        ...(log ? { log: { bytes: log.bytes, ...(chunks ? { chunks } : {}) } } : {}),
      };
      await writeFile(join(staging, 'meta.json'), JSON.stringify(meta));
      await this.commit(staging, input.hash);
      return { files: files.length, links: links.length, unmatched: matcher.unmatched(paths), outside: [...matcher.outside] };
    } finally {
      await this.removeTmp(staging);
    }
  }

  /** A new, empty staging folder owned by this process, for `commit`. */
  async newStaging(): Promise<string> {
    const staging = this.ownedTmpFolder();
    await mkdir(join(staging, ENTRY_FILES), { recursive: true });
    return staging;
  }

  /** A path in `tmp/` owned by this process (a download, a packed artifact): swept with the staging folders if left behind. */
  async newTmpFile(suffix: string): Promise<string> {
    const file = `${this.ownedTmpFolder()}${suffix}`;
    await mkdir(dirname(file), { recursive: true });
    return file;
  }

  /**
   * Removes a staging folder or temporary file of this process, never failing: writes still
   * settling in it (an extraction stopped by an error) are retried past, with Node's backoff on
   * ENOTEMPTY and EBUSY (FINDINGS-11, 3); what still cannot be removed is swept by the next run.
   */
  async removeTmp(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
  }

  /**
   * Commits an entry unpacked from elsewhere (a remote artifact) in `staging`: each file gets
   * the mode its `meta.json` records (an unpacked file has the umask applied), then `commit`.
   * A file list that does not fit is left for `get` to discard.
   */
  async commitUnpacked(staging: string, hash: string): Promise<void> {
    const meta = JSON.parse(await readFile(join(staging, 'meta.json'), 'utf8')) as Partial<CacheMeta>;
    for (const file of Array.isArray(meta.files) ? meta.files : []) {
      if (isSafePath(file.path) && typeof file.mode === 'number') await chmod(join(staging, ENTRY_FILES, file.path), file.mode & 0o777).catch(() => undefined);
    }
    await this.commit(staging, hash);
  }

  /**
   * Commits a staging folder as the entry of `hash` (a rename). When the hash already has a
   * folder: a whole entry (another process committed first, same content) is kept; a broken
   * one (no meta.json, a crash while it was removed, or corrupt) is removed and replaced.
   */
  async commit(staging: string, hash: string): Promise<void> {
    const final = this.entryDir(hash);
    await mkdir(dirname(final), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(staging, final);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        if (attempt > 0 || (await this.get(hash))) return;
        await this.remove(hash);
      }
    }
  }

  /**
   * Puts an entry's outputs back under the task's folder, after checking every checksum and
   * every path against the task's current outputs (see `restoreOutputs`). Throws a CacheRefusal
   * or a checksum error before anything is changed.
   */
  async restore(entry: CacheEntry, target: RestoreTarget): Promise<RestoreKept> {
    for (const file of entry.meta.files) {
      const sha256 = await sha256File(join(entry.dir, ENTRY_FILES, file.path)).catch(() => undefined);
      if (sha256 !== file.sha256) throw new CacheRefusal(file.path, `in the cache entry is ${sha256 === undefined ? 'missing' : 'corrupt (checksum mismatch)'}`);
    }
    const [root, protect] = await Promise.all([this.real(target.root), this.protected(target.protect)]);
    const folder = realpathSync.native(target.folder);
    const kept = await restoreOutputs({ ...entry.meta, read: (path) => join(entry.dir, ENTRY_FILES, path) }, { ...target, folder, root }, protect);
    await this.markUsed(entry);
    return kept;
  }

  /**
   * Records a use of the entry (the modification time of its meta.json), which eviction goes by;
   * at most once per `USE_RESOLUTION_MS`, as eviction runs at most that often: a full hit does
   * not write to every entry it uses on every run.
   */
  async markUsed(entry: CacheEntry): Promise<void> {
    if (entry.usedAt !== undefined && Math.abs(Date.now() - entry.usedAt) < USE_RESOLUTION_MS) return;
    const now = new Date();
    try {
      utimesSync(join(entry.dir, 'meta.json'), now, now);
    } catch {
      // An entry whose use cannot be recorded is only evicted sooner.
    }
  }

  /** The folders a task's outputs are never looked for in: the cache's and `more`, resolved (absent ones left out). */
  resolvedProtect(more: readonly string[] = []): Promise<string[]> {
    return this.protected(more);
  }

  /**
   * A task folder resolved by realpath, once per instance (one invocation's: `LocalCache.of`): the
   * full-hit check and the run's hits ask for each folder in turn.
   */
  realFolder(folder: string): string {
    let real = this.realFolders.get(folder);
    if (real === undefined) {
      // A folder that is no link is where its parent really is: one lstat, the parent's answer shared by its siblings.
      const parent = dirname(folder);
      real = parent !== folder && lstatSync(folder).isDirectory() ? join(this.realFolder(parent), basename(folder)) : realpathSync.native(folder);
      this.realFolders.set(folder, real);
    }
    return real;
  }

  /** Removes an entry: renamed out of place first, so a crash never leaves half of it under its hash. */
  async remove(hash: string): Promise<void> {
    const trash = this.ownedTmpFolder();
    await mkdir(dirname(trash), { recursive: true });
    try {
      await rename(this.entryDir(hash), trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /**
   * Removes the staging and trash folders of processes that are gone (killed while storing or
   * removing an entry); those of live processes are theirs, unless older than a day (the pid
   * was reused, or an older orch named it without one). Returns how many were removed.
   */
  async sweepStaging(now = Date.now()): Promise<number> {
    const tmp = join(this.dir, 'tmp');
    let removed = 0;
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const owner = OWNED.exec(name);
      const dead = owner !== null && !processAlive({ pid: Number(owner[1]), host: hostname() });
      const old = now - (await stat(join(tmp, name)).then((info) => info.mtimeMs, () => now)) > ORPHAN_AGE_MS;
      if (!dead && !old) continue;
      await rm(join(tmp, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
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
    await this.sweepStaging().catch(() => undefined);
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

  /**
   * A folder that does not move while orch runs (the cache, the repository root) resolved with
   * its symlinks, once per instance.
   */
  private real(path: string): Promise<string> {
    let resolved = this.resolved.get(path);
    if (!resolved) {
      resolved = realpath(path);
      this.resolved.set(path, resolved);
      resolved.catch(() => this.resolved.delete(path));
    }
    return resolved;
  }

  /** The cache folder and `more` (those that exist), resolved: never stored from nor restored into. */
  private async protected(more: readonly string[] = []): Promise<string[]> {
    const folders = await Promise.all([this.dir, ...more].map((dir) => this.real(dir).catch(() => undefined)));
    return folders.filter((dir): dir is string => dir !== undefined);
  }

  /** A folder name in `tmp/` that says which process owns it. */
  private ownedTmpFolder(): string {
    return join(this.dir, 'tmp', `pid${process.pid}-${randomUUID()}`);
  }

  private async discard(hash: string, error: unknown, onProblem?: (problem: CacheProblem) => void): Promise<undefined> {
    const { file, reason } = error instanceof EntryProblem ? error : new EntryProblem('', describeFileError(error, this.entryDir(hash)));
    onProblem?.({ kind: 'corrupt', hash, file: relative(this.dir, join(this.entryDir(hash), file)).split(sep).join('/'), reason });
    await this.remove(hash).catch(() => undefined);
    return undefined;
  }

  /** A corrupt entry's problem for a warning: `discarded a corrupt cache entry (ab/ab12…/meta.json is not valid JSON)`. */
  static describe(problem: CacheProblem): string {
    return `discarded a corrupt cache entry (${problem.file} ${problem.reason})`;
  }

}

/** A small log's chunks as its replay prints them, or undefined when its stream index is not small too. */
function inlineChunks(files: TaskLogFiles, bytes: number): OutputChunk[] | undefined {
  if (statSync(files.streams).size > INLINE_LOG_BYTES) return undefined;
  return readSmallTaskLog(files, bytes);
}

/** Whether `meta.json`'s inline log is chunks of text of the two streams, none empty (a crafted one is a corrupt entry). */
function isChunkList(value: unknown): value is OutputChunk[] {
  return Array.isArray(value) && value.every((chunk: Partial<OutputChunk> | null) => typeof chunk === 'object' && chunk !== null && (chunk.stream === 'stdout' || chunk.stream === 'stderr') && typeof chunk.text === 'string' && chunk.text !== '');
}
