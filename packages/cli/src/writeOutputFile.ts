import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { OrchError } from '@orch/engine';

/**
 * Writes a file the user asked for (`--profile`, `--summarize`, `orch report --out`) atomically,
 * making its missing folders one at a time: `mkdir({ recursive: true })` never returns for a
 * folder under /proc, where Node retries ENOENT for ever. Throws `state-write-failed` naming the
 * file, `what` it was and why, in words (never Node's raw error). A path that exists and is not
 * a regular file (`/dev/null`, a folder, a pipe) is refused before anything is written: the atomic
 * write renames over its target, which would replace a device node (as root, `/dev/full`).
 */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) {
    throw new OrchError('state-write-failed', `cannot write ${what} to ${path}: it exists and is not a regular file (${existing.isDirectory() ? 'a folder' : 'a device, pipe or socket'})`, { hint: 'name a new file, or a regular file to replace' });
  }
  try {
    const missing: string[] = [];
    for (let folder = dirname(path); !existsSync(folder) && dirname(folder) !== folder; folder = dirname(folder)) missing.unshift(folder);
    for (const folder of missing) await mkdir(folder).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
    await writeFileAtomic(path, text);
  } catch (error) {
    const { describeFileError } = await import('@orch/plugins');
    throw new OrchError('state-write-failed', `cannot write ${what} to ${path}: ${describeFileError(error)}`, { hint: 'name a file in a folder you can write' });
  }
}
