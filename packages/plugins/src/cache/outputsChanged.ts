import { lstat, readlink } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import type { CacheMeta } from './LocalCache.js';
import { OutputMatcher } from './OutputMatcher.js';
import { sha256File } from './sha256File.js';

/** A completed task's outputs, where the current config declares them. */
export interface CompletedOutputs {
  /** The task's folder, absolute and resolved by realpath. */
  folder: string;
  /** The task's current `outputs`. */
  outputs: readonly string[];
  /** Folders never looked into (orch's state and cache folders), absolute and resolved. */
  protect: readonly string[];
  /** When the task finished (ms since the epoch), when the session recorded it. */
  finishedAt?: number;
}

/**
 * Why a completed task's outputs are no longer what it made, or undefined when nothing says so
 * (`orch resume`: a task counts as done only with the outputs it made; FINDINGS-11, 1).
 *
 * With the task's cache entry (`meta`), the outputs the current globs match must be the entry's:
 * none missing, none added, each file with the entry's size, mode and SHA-256 and each link with
 * its target. Without one, what the task made is unknown, so two things are required: every
 * include glob matches something (outputs deleted since, by `git clean` say, are never taken for a
 * task that made nothing), and nothing among the outputs, or the folders holding them from each
 * glob's fixed part down, changed after `finishedAt` (the inode change time, which no user-space
 * call sets back: an edit, a deleted or added file). Returns e.g. `dist/out.txt was changed`.
 */
export async function outputsChanged(target: CompletedOutputs, meta?: Pick<CacheMeta, 'files' | 'links'>): Promise<string | undefined> {
  const matcher = new OutputMatcher(target.outputs);
  const paths = await matcher.find(target.folder, target.protect);
  if (meta) return differenceFromEntry(target.folder, paths, meta);
  const unmatched = matcher.unmatched(paths);
  if (unmatched.length > 0) return `output '${unmatched[0]}' matches no file`;
  if (target.finishedAt === undefined) return undefined;
  for (const path of [...paths, ...foldersBelow(matcher.bases, paths)]) {
    const info = await lstat(join(target.folder, path)).catch(() => undefined);
    if (!info) return `${path} was deleted`;
    if (info.ctimeMs > target.finishedAt) return `${path} was changed after the task finished`;
  }
  return undefined;
}

/**
 * What differs between the outputs at `paths` (relative to `folder`) and the entry's files and
 * links, by content; undefined when nothing does. Every path's stat data (type, size, mode) is
 * compared before any file is read, so a difference there costs no hashing.
 */
export async function differenceFromEntry(folder: string, paths: readonly string[], meta: Pick<CacheMeta, 'files' | 'links'>): Promise<string | undefined> {
  const files = new Map(meta.files.map((file) => [file.path, file]));
  const links = new Map((meta.links ?? []).map((link) => [link.path, link]));
  const present = new Set(paths);
  for (const path of [...files.keys(), ...links.keys()]) if (!present.has(path)) return `${path} is missing`;
  const toHash: string[] = [];
  for (const path of paths) {
    const source = join(folder, path);
    const info = await lstat(source).catch(() => undefined);
    if (!info) return `${path} is missing`;
    const file = files.get(path);
    const link = links.get(path);
    if (file) {
      if (!info.isFile() || info.size !== file.size || (info.mode & 0o777) !== (file.mode & 0o777)) return `${path} was changed`;
      toHash.push(path);
    } else if (link) {
      // The entry keeps a target relative to the link; the task may have written it absolute.
      const now = info.isSymbolicLink() ? await readlink(source) : undefined;
      if (now === undefined || resolve(dirname(source), now) !== resolve(dirname(source), link.target)) return `${path} was changed`;
    } else if (info.isFile() || info.isSymbolicLink()) {
      return `${path} was added`;
    }
  }
  for (const path of toHash) if ((await sha256File(join(folder, path))) !== files.get(path)!.sha256) return `${path} was changed`;
  return undefined;
}

/** The folders holding `paths`, from each glob's fixed part (`bases`, never the task's folder itself) down. */
function foldersBelow(bases: readonly string[], paths: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let folder = posix.dirname(path); folder !== '.'; folder = posix.dirname(folder)) {
      if (!bases.some((base) => base !== '' && (folder === base || folder.startsWith(`${base}/`)))) break;
      folders.add(folder);
    }
  }
  return [...folders];
}
