import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ORCH_VERSION } from '@orch/engine';
import { writeFileAtomic } from '../lazyRequire.js';

/** The cache file, in the state folder. */
export const WORKSPACE_CACHE_FILE = 'workspace-cache.json';
/** Bumped when what a section stores changes shape; with orch's version, part of the file's key. */
const FORMAT = 2;
/**
 * A file modified this close to the moment its entry was recorded may be modified again within
 * the same timestamp tick on a file system with coarse timestamps (1 s, FAT's 2 s), leaving size
 * and mtime as they were: such an entry is "racily clean" (git's term) and its content is
 * compared, not its stat, until it is older.
 */
const RACY_NS = 2_000_000_000n;

interface Entry {
  /** size:mtime:ctime:inode, in nanoseconds; '' when racy (compare the content). */
  stat: string;
  /** sha256 of the content. */
  hash: string;
  value: unknown;
}

/** What `lookup` found for a file. */
export interface CachedFile {
  /** sha256 of the file's content. */
  hash: string;
  /** What was stored for this content, if anything. */
  value?: unknown;
  /** The content, when it had to be read (the stat did not prove it unchanged): as read, and as UTF-8 text. */
  bytes?: Buffer;
  text?: string;
  /** The stat taken before the content was read, as recorded ('' when racy). */
  stat: string;
}

const opened = new Map<string, WorkspaceCache>();

/**
 * Parsed workspace files kept between runs in the state folder (`.orch/workspace-cache.json`),
 * as Nx keeps its project graph: package.json files and lockfile closures. An entry is keyed by
 * the file's path and its content's sha256, and its stat (size, mtime, ctime and inode, in
 * nanoseconds) tells whether the content can have changed: when the stat is the same and the
 * entry is not racily clean, the file is not read; otherwise it is read and its hash compared, so
 * a value is served only for the very content it was made from (docs/workspace-cache.md).
 * A missing, unreadable, corrupt or foreign file is an empty cache; writes are atomic (temp file
 * and rename), so two processes at once each leave a whole file, the last one's.
 * `ORCH_WORKSPACE_CACHE=0` turns it off (every file read and parsed, nothing written).
 */
export class WorkspaceCache {
  private dirty = false;

  private constructor(
    private readonly root: string,
    private readonly file: string | undefined,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** The cache of a workspace, one per process and state folder. */
  static open(root: string, stateDir: string): WorkspaceCache {
    const file = resolve(root, stateDir, WORKSPACE_CACHE_FILE);
    let cache = opened.get(file);
    if (!cache) {
      cache = process.env.ORCH_WORKSPACE_CACHE === '0' ? new WorkspaceCache(root, undefined, new Map()) : new WorkspaceCache(root, file, readEntries(file));
      opened.set(file, cache);
    }
    return cache;
  }

  /**
   * The file's content hash, and what was stored for that content under `section` if `valid`
   * accepts it; undefined when the file cannot be read (absent), or has more than `maxBytes`.
   */
  lookup(section: string, path: string, valid: (value: unknown) => boolean, options: { maxBytes?: number } = {}): CachedFile | undefined {
    const key = this.key(section, path);
    // An entry of the wrong shape (a cache written by hand, or by a bug) is no entry.
    const kept = this.entries.get(key);
    const entry = kept && valid(kept.value) ? kept : undefined;
    let stat: string;
    let bytes: Buffer;
    try {
      // The stat is taken before the read: a change between them leaves a stat that matches no later one.
      const stats = statSync(path, { bigint: true });
      if (entry && entry.stat !== '' && entry.stat === statKey(stats)) return { hash: entry.hash, value: entry.value, stat: entry.stat };
      // Larger than its reader takes: left to the reader, which says so.
      if (options.maxBytes !== undefined && stats.size > BigInt(options.maxBytes)) return undefined;
      stat = recordedStat(stats);
      bytes = readFileSync(path);
    } catch {
      if (this.entries.delete(key)) this.dirty = true;
      return undefined;
    }
    // The bytes, not their decoding: two files that differ only in invalid UTF-8 decode alike.
    const hash = sha256(bytes);
    const text = bytes.toString('utf8');
    if (entry?.hash !== hash) return { hash, bytes, text, stat };
    if (stat !== entry.stat) {
      entry.stat = stat;
      this.dirty = true;
    }
    return { hash, value: entry.value, bytes, text, stat };
  }

  /**
   * What was stored for the file under `section` for whatever content it had then (the content
   * may have changed since), if `valid` accepts it: what an earlier run knew of a file that no
   * longer reads (a package.json broken since, and the name it had).
   */
  previous(section: string, path: string, valid: (value: unknown) => boolean): unknown {
    const value = this.entries.get(this.key(section, path))?.value;
    return value !== undefined && valid(value) ? value : undefined;
  }

  /** Stores what `value` is for the content `lookup` found (JSON-serialisable). */
  store(section: string, path: string, found: CachedFile, value: unknown): void {
    this.entries.set(this.key(section, path), { stat: found.stat, hash: found.hash, value });
    this.dirty = true;
  }

  private key(section: string, path: string): string {
    return `${section}:${relative(this.root, path).split(sep).join('/')}`;
  }

  /** Writes the cache if anything changed; a state folder that cannot be written leaves it unsaved. */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    const text = JSON.stringify({ orch: ORCH_VERSION, format: FORMAT, entries: Object.fromEntries(this.entries) });
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      await writeFileAtomic()(this.file, text, { fsync: false });
    } catch {
      // A cache: the next run reads the files again.
    }
  }
}

function readEntries(file: string): Map<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { orch?: unknown; format?: unknown; entries?: unknown };
    if (parsed.orch !== ORCH_VERSION || parsed.format !== FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) return new Map();
    const entries = new Map<string, Entry>();
    for (const [key, entry] of Object.entries(parsed.entries as Record<string, Partial<Entry>>)) {
      if (typeof entry?.stat === 'string' && typeof entry.hash === 'string' && 'value' in entry) entries.set(key, entry as Entry);
    }
    return entries;
  } catch {
    return new Map();
  }
}

function statKey(stats: BigIntStats): string {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`;
}

/** The stat to record, or '' when it is too recent to vouch for the content (racily clean). */
function recordedStat(stats: BigIntStats): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const newest = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
  return newest + RACY_NS > now ? '' : statKey(stats);
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
