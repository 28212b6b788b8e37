import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * The id git gives a file's content (`git hash-object`): sha1 of `blob <size>\0<content>`. A
 * dirty file hashed this way gets the same id as its index entry once it is clean again.
 */
export function gitBlobHash(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Blob ids of files (absolute paths), or undefined for files that cannot be read. */
export async function hashFilesHere(paths: readonly string[]): Promise<(string | undefined)[]> {
  return Promise.all(paths.map(async (path) => readFile(path).then(gitBlobHash, () => undefined)));
}
