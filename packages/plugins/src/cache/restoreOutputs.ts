import { constants, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fdir } from 'fdir';
import type { CachedFile, CachedLink } from './LocalCache.js';
import { CacheRefusal, confinedLinkTarget, confinedPath } from './confinedPath.js';
import { hashFilesHere } from './gitBlobHash.js';
import { OutputMatcher } from './OutputMatcher.js';

/** Where an entry is restored, as the current config declares it. */
export interface RestoreTarget {
  /** The task's folder (its package, or the root). */
  folder: string;
  /** The repository root: a restored symbolic link must point inside it. */
  root: string;
  /** The task's outputs as the current config declares them (never the entry's own list). */
  outputs: readonly string[];
  /** Folders a restore never deletes or writes in (orch's state folder); the cache's own is added. */
  protect?: readonly string[];
  /**
   * Sources under an output glob (FINDINGS-R2 #9): the files of the folder git tracks or lists as
   * untracked (not ignored), relative to the folder → content id now, and which of them the
   * task's hash took. None is deleted as a stale output; one the hash did not take is not
   * overwritten when it differs from the entry's copy (it may be the user's work). Absent
   * outside git: every output is a build product.
   */
  sources?: { files: ReadonlyMap<string, string>; hashed: ReadonlySet<string> };
}

/** What a restore left as it was (`RestoreTarget.sources`): paths relative to the task's folder. */
export interface RestoreKept {
  /** Sources matching an output glob that the entry does not hold: not deleted. */
  notDeleted: string[];
  /** Sources the hash did not take whose content differs from the entry's copy: not overwritten. */
  notOverwritten: string[];
}

/** An entry's files and links, and where each file's cached copy is read from. */
export interface RestoreSource {
  files: readonly CachedFile[];
  links?: readonly CachedLink[];
  read(path: string): string;
}

/**
 * Restores an entry's outputs (issue 11, part 1: restore is confined to what the current config
 * declares). Every file and link must match the task's current `outputs`; its parent folders,
 * resolved with their symbolic links, must stay inside the task's folder, outside any `.git`
 * and outside `protect`; a link must point inside the repository. All of it is checked before
 * anything changes, and a refused entry changes nothing (a CacheRefusal names the path). Then
 * the outputs there now (by the current globs, links not followed) are deleted as stale, but
 * never a source (`target.sources`: what is kept is returned, for a warning), each
 * file is written (never through an existing file or link) with the cached file's mode (checked
 * against the entry's by LocalCache.get), and each link is created as a link. `target.folder`, `target.root` and `protect` are absolute and
 * resolved by realpath.
 */
export async function restoreOutputs(entry: RestoreSource, target: RestoreTarget, protect: readonly string[]): Promise<RestoreKept> {
  const { folder, root } = target;
  const outputs = OutputMatcher.of(target.outputs);
  const declared = target.outputs.length > 0 ? target.outputs.join(', ') : 'none declared';
  const parents = new Map<string, Promise<string | CacheRefusal>>();
  const allowed = async (path: string): Promise<string> => {
    if (!outputs.matches(path)) throw new CacheRefusal(path, `is not among the task's outputs (${declared})`);
    return confinedPath(folder, path, protect, parents);
  };

  const files = await inOrder(
    entry.files.map(async (file) => {
      const to = await allowed(file.path);
      // A folder where the file goes (left by hand, or by another build) goes if it holds only outputs.
      return { file, to, folder: await replaceableFolder(to, file.path, outputs, target.sources?.files) };
    }),
  );
  const links = await inOrder(
    (entry.links ?? []).map(async (link) => {
      const to = await allowed(link.path);
      if (isAbsolute(link.target)) throw new CacheRefusal(link.path, `is a symbolic link to an absolute path (${link.target})`);
      await confinedLinkTarget(root, to, link.target, link.path);
      if (entry.files.some((file) => file.path.startsWith(`${link.path}/`))) throw new CacheRefusal(link.path, 'is a symbolic link with files of the entry behind it');
      await replaceableFolder(to, link.path, outputs, target.sources?.files);
      return { link, to };
    }),
  );

  // Written synchronously, file by file: each is one or two system calls, and a full hit
  // restoring hundreds of tasks would otherwise queue them all on the thread pool.
  const kept = await keptSources(entry, target);
  const inEntry = new Set(entry.files.map((file) => file.path));
  for (const path of outputs.findNow(folder, protect)) {
    if (target.sources?.files.has(path) && !inEntry.has(path)) kept.notDeleted.push(path);
    else if (!kept.notOverwritten.includes(path)) rmSync(join(folder, path), { force: true });
  }
  const made = new Set<string>();
  for (const { file, to, folder: inTheWay } of files) {
    if (kept.notOverwritten.includes(file.path)) continue;
    if (inTheWay) rmSync(to, { recursive: true, force: true });
    if (!made.has(dirname(to))) mkdirSync(dirname(to), { recursive: true });
    made.add(dirname(to));
    // Never through what is there now (a link left in place would be followed). The copy
    // keeps the cached file's mode, which LocalCache.get checked against the entry's.
    try {
      copyFileSync(entry.read(file.path), to, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      rmSync(to, { force: true });
      copyFileSync(entry.read(file.path), to, constants.COPYFILE_EXCL);
    }
  }
  for (const { link, to } of links) {
    await rm(to, { recursive: true, force: true });
    await mkdir(dirname(to), { recursive: true });
    await symlink(link.target, to);
  }
  return kept;
}

/** The entry's files that would overwrite a source the hash did not take, with other content. */
async function keptSources(entry: RestoreSource, target: RestoreTarget): Promise<RestoreKept> {
  const kept: RestoreKept = { notDeleted: [], notOverwritten: [] };
  const sources = target.sources;
  if (!sources) return kept;
  const guarded = entry.files.filter((file) => sources.files.has(file.path) && !sources.hashed.has(file.path));
  const ids = await hashFilesHere(guarded.map((file) => entry.read(file.path)));
  guarded.forEach((file, index) => {
    if (ids[index] !== sources.files.get(file.path)) kept.notOverwritten.push(file.path);
  });
  return kept;
}

/**
 * A folder where a link is restored (outputs stored before links were kept had it copied) may
 * be replaced only when everything in it is an output and no source, so deleting it deletes
 * nothing else.
 */
async function replaceableFolder(to: string, path: string, outputs: OutputMatcher, sources?: ReadonlyMap<string, string>): Promise<boolean> {
  const info = await lstat(to).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  const inside = await new fdir().withRelativePaths().crawl(to).withPromise();
  const kept = inside.find((file) => {
    const rel = `${path}/${file.split(sep).join('/')}`;
    return !outputs.matches(rel) || sources?.has(rel);
  });
  if (kept !== undefined) throw new CacheRefusal(path, `is a folder holding ${path}/${kept}, which is not an output`, true);
  return true;
}

/** Every check at once; the refusal reported is the first in the entry's order, whatever finished first. */
async function inOrder<T>(checks: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(checks);
  const refused = settled.find((result) => result.status === 'rejected');
  if (refused) throw refused.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
