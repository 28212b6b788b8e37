import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheMeta } from './LocalCache.js';
import { OutputMatcher } from './OutputMatcher.js';
import { differenceFromEntry } from './outputsChanged.js';

/**
 * A file or link among a task's outputs as `lstat` saw it, git's index stat data:
 * `[path, size, mtimeMs, ctimeMs, inode, mode]` (the mode's type bits tell a link from a file).
 */
export type OutputStat = [path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, mode: number];

/**
 * A task's outputs as orch last stored or restored them, for the entry of `hash`: when they
 * still look exactly so, a cache hit leaves them in place (issue 13). Recorded in TaskRecords.
 */
export interface OutputsFingerprint {
  hash: string;
  /** The output globs it was taken for; other globs (the config changed) find other files. */
  outputs: string[];
  /** When it was taken (ms since the epoch), before any file was looked at. */
  at: number;
  /** Every output, sorted by path. */
  files: OutputStat[];
  /**
   * The folders the listing entered, with their stat data, and the folders it did not enter
   * (`OutputsPlace.protect`). Adding, removing or renaming an entry changes its folder's
   * modification and change times, so while every folder is as it was (and was not changed too
   * close to `at` for its times to tell), the outputs are the files listed: a hit `lstat`s them
   * without listing the folders again. Absent (a glob's folder was missing, say): listed again.
   */
  folders?: OutputStat[];
  protect?: string[];
}

/**
 * A file whose change time is this close to (or after) the fingerprint's time may have been
 * written again within the same tick of the file system's clock, leaving its stat data as it
 * was: git's "racily clean" entry. Such files are compared by content. Two seconds cover the
 * coarsest timestamps in use (one or two seconds on some file systems), the kernel's coarse
 * clock (a few ms) and the time the fingerprint takes.
 */
export const RACY_MS = 2000;

/** Where a task's outputs are: its folder (absolute, resolved by realpath), its globs, the folders never entered. */
export interface OutputsPlace {
  folder: string;
  outputs: readonly string[];
  protect: readonly string[];
}

/** The outputs the globs match now, with their stat data, for the entry of `hash`. */
export function takeOutputsFingerprint(place: OutputsPlace, hash: string): OutputsFingerprint {
  const at = Date.now();
  // Synchronous: a hit looks at a few files, and hundreds of hits would each wait on the thread pool.
  const { files, folders } = OutputMatcher.of(place.outputs).listNow(place.folder, place.protect);
  // A folder's stat data is read after its listing: one changed meanwhile has times past `at`, too close to trust.
  return { hash, outputs: [...place.outputs], at, files: files.map((path) => statOf(place.folder, path)), ...(folders ? { folders: folders.map((path) => statOf(place.folder, path)), protect: [...place.protect] } : {}) };
}

/**
 * Whether the outputs are the entry's, so restoring it would change nothing (issue 13: "checked by
 * size+mtime+inode as git does, falling back to content"). First by stat data: the same hash and
 * globs as the fingerprint, the same files and links (none added, none gone), each with the same
 * size, times, inode and mode; the folders are listed again only when one of them changed
 * (`folders`), and a file that is racily clean (see RACY_MS) is trusted only if its content is the
 * entry's (`meta`: SHA-256 of each file, each link's target). When the stat data cannot tell (no
 * fingerprint, another hash, a file's times or inode changed: another tool restored the same
 * bytes, say), by content: the outputs the globs match now are exactly the entry's files and links.
 * Returns the fingerprint to record now, or undefined: restore.
 */
export async function outputsInPlace(recorded: OutputsFingerprint | undefined, place: OutputsPlace, hash: string, meta: Pick<CacheMeta, 'files' | 'links'>): Promise<OutputsFingerprint | undefined> {
  const byStat = recorded && recorded.hash === hash && sameList(recorded.outputs, place.outputs) && Array.isArray(recorded.files) ? await byStatData(recorded, place, hash, meta) : 'unknown';
  if (byStat !== 'unknown') return byStat;
  const now = takeOutputsFingerprint(place, hash);
  return (await differenceFromEntry(place.folder, now.files.map(([path]) => path), meta)) === undefined ? now : undefined;
}

/** `outputsInPlace` by the fingerprint's stat data: the fingerprint to record, undefined (the content differs), or 'unknown' (the stat data differs). */
async function byStatData(recorded: OutputsFingerprint, place: OutputsPlace, hash: string, meta: Pick<CacheMeta, 'files' | 'links'>): Promise<OutputsFingerprint | undefined | 'unknown'> {
  const listed = sameListing(recorded, place);
  const now: OutputsFingerprint = listed ? { ...recorded, at: Date.now(), files: recorded.files.map(([path]) => statOf(place.folder, path)) } : takeOutputsFingerprint(place, hash);
  if (now.files.length !== recorded.files.length) return 'unknown';
  let racy = false;
  for (let i = 0; i < now.files.length; i++) {
    const [path, size, mtimeMs, ctimeMs, ino, mode] = now.files[i]!;
    const then = recorded.files[i]!;
    if (size < 0 || path !== then[0] || size !== then[1] || mtimeMs !== then[2] || ctimeMs !== then[3] || ino !== then[4] || mode !== then[5]) return 'unknown';
    if (ctimeMs >= recorded.at - RACY_MS || mtimeMs >= recorded.at - RACY_MS) racy = true;
  }
  if (racy && (await differenceFromEntry(place.folder, now.files.map(([path]) => path), meta)) !== undefined) return undefined;
  // Listed again (a folder changed, or the fingerprint had none): the folders as they are now, so the next hit need not.
  return racy || (!listed && now.folders !== undefined) ? now : recorded;
}

/** Whether every folder of the fingerprint is as it was, long enough before it was taken for its times to tell. */
function sameListing(recorded: OutputsFingerprint, place: OutputsPlace): boolean {
  if (!Array.isArray(recorded.folders) || !Array.isArray(recorded.protect) || !sameList(recorded.protect, place.protect)) return false;
  for (const then of recorded.folders) {
    const [path, size, mtimeMs, ctimeMs, ino, mode] = statOf(place.folder, then[0]);
    if (size < 0 || size !== then[1] || mtimeMs !== then[2] || ctimeMs !== then[3] || ino !== then[4] || mode !== then[5] || path !== then[0]) return false;
    if (ctimeMs >= recorded.at - RACY_MS || mtimeMs >= recorded.at - RACY_MS) return false;
  }
  return true;
}

/** A path's stat data as a fingerprint keeps it (size -1: missing). */
function statOf(folder: string, path: string): OutputStat {
  const info = lstatSync(join(folder, path), { throwIfNoEntry: false });
  return info ? [path, info.size, info.mtimeMs, info.ctimeMs, info.ino, info.mode] : [path, -1, 0, 0, 0, 0];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((item, i) => item === b[i]);
}
