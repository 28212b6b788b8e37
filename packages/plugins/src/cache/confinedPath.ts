import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

/**
 * Why the cache refused to store or restore an entry, naming the path (relative to the task's
 * folder) that broke the rules of docs/caching.md ("What restore may touch").
 */
export class CacheRefusal extends Error {
  /**
   * @param inTheWay what refuses the entry is in the task's folder (a folder holding what is not
   * an output), not in the entry: the entry stays in the cache (`restoreEntry`).
   */
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly inTheWay = false,
  ) {
    super(`${path} ${reason}`);
  }
}

/** A relative path that stays inside its folder. */
export function isSafePath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\0')) return false;
  return !normalize(path).split(sep).includes('..');
}

/** A relative path with a `.git` segment at any depth (case-insensitive, for case-insensitive disks). */
export function isInsideGitFolder(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => segment.toLowerCase() === '.git');
}

/** `child` is `parent` or below it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
}

/**
 * Where `path` (relative, `/`-separated) may be written under `folder` (absolute, already
 * resolved by realpath): its existing parent folders are resolved with their symlinks and must
 * stay inside `folder`, outside any `.git` folder and outside every folder in `protect`.
 * Returns the absolute target; throws a CacheRefusal naming the path otherwise. `parents`
 * remembers each parent folder's resolution across the paths of one restore.
 */
export async function confinedPath(folder: string, path: string, protect: readonly string[] = [], parents = new Map<string, Promise<string | CacheRefusal>>()): Promise<string> {
  if (!isSafePath(path)) throw new CacheRefusal(path, "leaves the task's folder");
  if (isInsideGitFolder(path)) throw new CacheRefusal(path, 'is inside a .git folder');
  const target = join(folder, path);
  const parent = dirname(target);
  let resolved = parents.get(parent);
  if (!resolved) parents.set(parent, (resolved = resolveParent(folder, parent, protect)));
  const real = await resolved;
  if (real instanceof CacheRefusal) throw new CacheRefusal(path, real.reason);
  return join(real, relative(parent, target));
}

/**
 * A parent folder resolved with its symlinks (as far as it exists), or why it may not be written.
 * Each folder below `folder` is looked at with lstat; only a link among them is resolved.
 */
async function resolveParent(folder: string, parent: string, protect: readonly string[]): Promise<string | CacheRefusal> {
  const refuse = (reason: string) => new CacheRefusal('', reason);
  const segments = relative(folder, parent).split(sep).filter(Boolean);
  let current = folder;
  for (const [index, segment] of segments.entries()) {
    const next = join(current, segment);
    const info = await lstat(next).catch(() => undefined);
    // Nothing further exists: what is left is created below a folder already checked.
    if (!info) return join(current, ...segments.slice(index));
    if (info.isSymbolicLink()) {
      const real = await realpath(next).catch(() => undefined);
      if (real === undefined) return refuse(`goes through a broken symbolic link (${relative(folder, next)})`);
      if (!isInside(folder, real)) return refuse(`resolves outside the task's folder (through a symbolic link to ${real})`);
      if (isInsideGitFolder(relative(folder, real))) return refuse('resolves into a .git folder');
      if (!(await stat(real)).isDirectory()) return refuse('has a parent that is not a folder');
      current = real;
    } else if (info.isDirectory()) {
      current = next;
    } else {
      return refuse('has a parent that is not a folder');
    }
    if (protect.some((dir) => isInside(dir, current))) return refuse("is inside orch's state or cache folder");
  }
  return current;
}

/**
 * Checks the target of a symbolic link at `link` (absolute) against the repository `root`
 * (absolute, resolved by realpath): relative, and pointing inside the repository and outside
 * `.git`, also after resolving it with symlinks when it exists. Returns the target as a
 * relative `/`-separated path; throws a CacheRefusal naming `name` otherwise.
 */
export async function confinedLinkTarget(root: string, link: string, target: string, name: string): Promise<string> {
  const pointsTo = resolve(dirname(link), target);
  const leaves = `is a symbolic link to ${target}, outside the repository`;
  if (!isInside(root, pointsTo)) throw new CacheRefusal(name, leaves);
  if (isInsideGitFolder(relative(root, pointsTo))) throw new CacheRefusal(name, `is a symbolic link into a .git folder (${target})`);
  const real = await realpath(pointsTo).catch(() => undefined);
  if (real !== undefined && (!isInside(root, real) || isInsideGitFolder(relative(root, real)))) throw new CacheRefusal(name, `${leaves} once links are followed (${real})`);
  return relative(dirname(link), pointsTo).split(sep).join('/') || '.';
}
