import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { OrchError } from '@orch/engine';

/**
 * Writes a file the user asked for (`--profile`, `--summarize`, `orch report --out`) atomically,
 * making its missing folders one at a time: `mkdir({ recursive: true })` never returns for a
 * folder under /proc, where Node retries ENOENT for ever. Throws `state-write-failed` naming the
 * file, `what` it was and why, in words (never Node's raw error).
 */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
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
