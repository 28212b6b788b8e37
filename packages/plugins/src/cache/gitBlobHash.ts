import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';

/**
 * The id git gives a file's content (`git hash-object`): sha1 of `blob <size>\0<content>`. A
 * dirty file hashed this way gets the same id as its index entry once it is clean again.
 */
export function gitBlobHash(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Git's modes for what a task can read: a file, an executable file, a symbolic link. */
export type GitFileMode = '100644' | '100755' | '120000';

/**
 * A file's content id in a task's hash: git's mode and blob id, as `git ls-files -s` prints
 * them (`100755 3b18e512…`), so a `chmod +x` changes the id as it changes what git (and `orch
 * affected`) reports. A symbolic link's blob is its target path, as git stores it.
 */
export function contentId(mode: string, blob: string): string {
  return `${mode} ${blob}`;
}

/** The mode part of a content id. */
export function contentIdMode(id: string): string {
  return id.slice(0, id.indexOf(' '));
}

/**
 * Content ids of files (absolute paths), or undefined for files that cannot be read. Modes
 * come from `lstat` as git records them: the owner's executable bit makes `100755`; a link is
 * not followed (`120000`, its target path hashed). A missing file (a global input such as
 * `.nvmrc` that the repository does not have: asked on every run) is known from one `lstat`
 * that makes no error to throw and catch.
 */
export async function hashFilesHere(paths: readonly string[]): Promise<(string | undefined)[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        const stats = lstatSync(path, { throwIfNoEntry: false });
        if (stats === undefined) return undefined;
        if (stats.isSymbolicLink()) return contentId('120000', gitBlobHash(Buffer.from(await readlink(path))));
        if (!stats.isFile()) return undefined;
        return contentId(stats.mode & 0o100 ? '100755' : '100644', gitBlobHash(await readFile(path)));
      } catch {
        return undefined;
      }
    }),
  );
}
