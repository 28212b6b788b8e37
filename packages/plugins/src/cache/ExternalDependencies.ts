import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCKFILES, OTHER_LOCKFILES, readLockfileClosures, type LockfileClosures } from '../lockfile/lockfileClosures.js';
import { WorkspaceCache } from '../state/WorkspaceCache.js';
import { ROOT_DEPENDENCY_FIELDS } from '../lockfile/rootDependencyFields.js';

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/**
 * A lockfile at the root: the digest of each folder's closure (`digests`, by folder), or only the
 * digest of its text (`whole`) when orch does not read it or it does not parse.
 */
type ReadLockfile = { file: string; digests?: ReadonlyMap<string, string>; whole: string; problem?: string };

/** What the workspace cache keeps for a lockfile's content: the digest of its text, and every folder's closure digest (null when it does not parse). */
type CachedLockfile = { whole: string; digests: [folder: string, digest: string][] | null; problem?: string };

/**
 * What a package script resolves from outside the workspace, for its hash, as `orch affected`
 * sees it (Turborepo hashes a package's external dependencies the same way): for each lockfile at
 * the root, the closure of the package's folder and of the root (`.`, whose packages every
 * package can reach), or the whole file when the lockfile has no entry for the folder, does not
 * parse, or is one orch does not read (yarn, bun); and the root package.json's dependency fields
 * and `workspaces`.
 * The files are read once per hasher (one run), and a lockfile parsed only when its content is not
 * in the workspace cache.
 */
export class ExternalDependencies {
  private lockfiles: Promise<ReadLockfile[]> | undefined;
  private manifest: Promise<string | undefined> | undefined;
  /**
   * @param stateDir the state folder (relative to `root`), where the workspace cache is; without it, nothing is cached.
   * @param warn told once per run of a lockfile that does not parse (findings R2 #17: it was never said).
   */
  constructor(
    private readonly root: string,
    private readonly stateDir?: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /**
   * `<lockfile>#<folder>` and `<lockfile>#.` → digest of each closure (`<lockfile>` → digest
   * of the text when there is no closure to take), `package.json#dependencies` → digest of the
   * root manifest's dependency fields. `folder` is relative to the root (`''` or `.` for it).
   */
  async of(folder: string): Promise<Record<string, string>> {
    const key = folder === '' ? '.' : folder;
    const found: Record<string, string> = {};
    for (const lockfile of await (this.lockfiles ??= this.readLockfiles())) {
      const own = lockfile.digests?.get(key);
      if (!own) {
        found[lockfile.file] = lockfile.whole;
        continue;
      }
      found[`${lockfile.file}#${key}`] = own;
      const root = lockfile.digests!.get('.');
      if (key !== '.' && root) found[`${lockfile.file}#.`] = root;
    }
    const manifest = await (this.manifest ??= this.readManifest());
    if (manifest) found['package.json#dependencies'] = manifest;
    return found;
  }

  /**
   * Each lockfile's digests, from the workspace cache when its content is the one cached: a
   * lockfile is parsed only when it changed (parsing pnpm-lock.yaml of 500 packages took 0.23 s
   * of every run, issue 13), and then every folder's closure is taken at once and cached.
   */
  private async readLockfiles(): Promise<ReadLockfile[]> {
    const cache = this.stateDir === undefined ? undefined : WorkspaceCache.open(this.root, this.stateDir);
    const read = async (file: string): Promise<ReadLockfile | undefined> => {
      const path = join(this.root, file);
      const cached = cache?.lookup('lockfile', path, isCachedLockfile);
      if (cache && !cached) return undefined;
      const kept = cached?.value as CachedLockfile | undefined;
      if (kept) {
        if (kept.problem) this.warn(kept.problem);
        return { file, whole: kept.whole, ...(kept.digests === null ? {} : { digests: new Map(kept.digests) }) };
      }
      const text = cached?.text ?? (await readFile(path, 'utf8').catch(() => undefined));
      if (text === undefined) return undefined;
      const lockfile: ReadLockfile = { file, whole: sha256(text) };
      if ((LOCKFILES as readonly string[]).includes(file)) {
        try {
          lockfile.digests = closureDigests(readLockfileClosures(file as (typeof LOCKFILES)[number], text));
        } catch (error) {
          // Unreadable: `orch affected` then counts every package, and the whole text is hashed.
          const mark = (error as { mark?: { line: number; column: number } }).mark;
          const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
          const why = ((error as Error).message ?? String(error)).split('\n')[0]!.replace(/ \(\d+:\d+\)$/, '');
          lockfile.problem = `${where}: the lockfile cannot be read (${why}): every package's hash takes its whole text, and orch affected counts every package as changed; fix it, or regenerate it with your package manager's install`;
          this.warn(lockfile.problem);
        }
      }
      if (cached) cache!.store('lockfile', path, cached, { whole: lockfile.whole, digests: lockfile.digests ? [...lockfile.digests] : null, ...(lockfile.problem ? { problem: lockfile.problem } : {}) } satisfies CachedLockfile);
      return lockfile;
    };
    const lockfiles = (await Promise.all([...LOCKFILES, ...OTHER_LOCKFILES].map(read))).filter((l) => l !== undefined);
    await cache?.save();
    return lockfiles;
  }

  private async readManifest(): Promise<string | undefined> {
    const text = await readFile(join(this.root, 'package.json'), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      // `workspaces` too: `orch affected` counts a change to it for everything.
      return sha256(JSON.stringify([...ROOT_DEPENDENCY_FIELDS, 'workspaces'].map((field) => json[field] ?? null)));
    } catch {
      return sha256(text);
    }
  }
}

/** The digest of every folder's closure: its `name@version integrity` lines, sorted. */
function closureDigests(closures: LockfileClosures): Map<string, string> {
  const digests = new Map<string, string>();
  for (const folder of closures.folders) {
    const closure = closures.closure(folder);
    if (!closure) continue;
    const lines: string[] = [];
    for (const [name, versions] of closure) for (const [version, integrity] of versions) lines.push(`${name}@${version} ${integrity}`);
    digests.set(folder, sha256(lines.sort().join('\n')));
  }
  return digests;
}

function isCachedLockfile(value: unknown): value is CachedLockfile {
  const { whole, digests } = (value ?? {}) as Partial<CachedLockfile>;
  const { problem } = (value ?? {}) as Partial<CachedLockfile>;
  return typeof whole === 'string' && (problem === undefined || typeof problem === 'string') && (digests === null || (Array.isArray(digests) && digests.every((pair) => Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')));
}
