import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCKFILES, OTHER_LOCKFILES, readLockfileClosures, type LockfileClosures, type ResolvedClosure } from '../lockfile/lockfileClosures.js';
import { ROOT_DEPENDENCY_FIELDS } from '../lockfile/rootDependencyFields.js';

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** A lockfile at the root: its closures, or only the digest of its text when orch does not read it or it does not parse. */
type ReadLockfile = { file: string; closures?: LockfileClosures; whole: string };

/**
 * What a package script resolves from outside the workspace, for its hash, as `orch affected`
 * sees it (Turborepo hashes a package's external dependencies the same way): for each lockfile at
 * the root, the closure of the package's folder and of the root (`.`, whose packages every
 * package can reach), or the whole file when the lockfile has no entry for the folder, does not
 * parse, or is one orch does not read (yarn, bun); and the root package.json's dependency fields
 * and `workspaces`.
 * The files are read and parsed once per hasher (one run); each folder's digest is memoised.
 */
export class ExternalDependencies {
  private lockfiles: Promise<ReadLockfile[]> | undefined;
  private manifest: Promise<string | undefined> | undefined;
  private readonly digests = new Map<string, string>();

  /** `warn`: told once per run of a lockfile that does not parse (findings R2 #17: it was never said). */
  constructor(
    private readonly root: string,
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
      const own = lockfile.closures?.closure(key);
      if (!lockfile.closures || !own) {
        found[lockfile.file] = lockfile.whole;
        continue;
      }
      found[`${lockfile.file}#${key}`] = this.digest(lockfile, key, own);
      const root = lockfile.closures.closure('.');
      if (key !== '.' && root) found[`${lockfile.file}#.`] = this.digest(lockfile, '.', root);
    }
    const manifest = await (this.manifest ??= this.readManifest());
    if (manifest) found['package.json#dependencies'] = manifest;
    return found;
  }

  private digest(lockfile: ReadLockfile, folder: string, closure: ResolvedClosure): string {
    const key = `${lockfile.file}#${folder}`;
    let digest = this.digests.get(key);
    if (digest === undefined) {
      const lines: string[] = [];
      for (const [name, versions] of closure) for (const [version, integrity] of versions) lines.push(`${name}@${version} ${integrity}`);
      digest = sha256(lines.sort().join('\n'));
      this.digests.set(key, digest);
    }
    return digest;
  }

  private async readLockfiles(): Promise<ReadLockfile[]> {
    const read = async (file: string): Promise<ReadLockfile | undefined> => {
      const text = await readFile(join(this.root, file), 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      const lockfile: ReadLockfile = { file, whole: sha256(text) };
      if ((LOCKFILES as readonly string[]).includes(file)) {
        try {
          lockfile.closures = readLockfileClosures(file as (typeof LOCKFILES)[number], text);
        } catch (error) {
          // Unreadable: `orch affected` then counts every package, and the whole text is hashed.
          const mark = (error as { mark?: { line: number; column: number } }).mark;
          const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
          const why = ((error as Error).message ?? String(error)).split('\n')[0]!.replace(/ \(\d+:\d+\)$/, '');
          this.warn(`${where}: the lockfile cannot be read (${why}): every package's hash takes its whole text, and orch affected counts every package as changed; fix it, or regenerate it with your package manager's install`);
        }
      }
      return lockfile;
    };
    return (await Promise.all([...LOCKFILES, ...OTHER_LOCKFILES].map(read))).filter((l) => l !== undefined);
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
