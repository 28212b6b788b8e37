import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { OrchError } from '@orch/engine';
import { pluginsModule } from './lazyModules.js';

/**
 * Writes a file the user asked for (`--profile`, `--summarize`, `orch report --out`) atomically,
 * making its missing folders one at a time: `mkdir({ recursive: true })` never returns for a
 * folder under /proc, where Node retries ENOENT for ever. Throws `state-write-failed` naming the
 * file, `what` it was and why, in words (never Node's raw error). A path that exists and is not
 * a regular file (`/dev/null`, a folder, a pipe) is refused before anything is written: the atomic
 * write renames over its target, which would replace a device node (as root, `/dev/full`).
 */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
  refuseNonRegular(path, what);
  try {
    const missing: string[] = [];
    for (let folder = dirname(path); !existsSync(folder) && dirname(folder) !== folder; folder = dirname(folder)) missing.unshift(folder);
    for (const folder of missing) await mkdir(folder).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
    await writeFileAtomic(path, text);
  } catch (error) {
    const { describeFileError } = await pluginsModule();
    throw new OrchError('state-write-failed', `cannot write ${what} to ${path}: ${describeFileError(error)}`, { hint: 'name a file in a folder you can write' });
  }
}

function refuseNonRegular(path: string, what: string): void {
  // ENOTDIR (a file where a folder should be) is for the caller's folder check, or the write, to name.
  const existing = (() => {
    try {
      return statSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  })();
  if (existing && !existing.isFile()) {
    throw new OrchError('state-write-failed', `cannot write ${what} to ${path}: it exists and is not a regular file (${existing.isDirectory() ? 'a folder' : 'a device, pipe or socket'})`, { hint: 'name a new file, or a regular file to replace' });
  }
}

/**
 * Checks, before a run starts, that a file it will write at the end (`--profile`,
 * `--summarize=<file>`) can be written: not a device, pipe or folder, and its nearest existing
 * folder one this process may write in. Throws `state-write-failed` as `writeOutputFile` would,
 * so a run of an hour does not end in "cannot write" (issue 14 tester).
 */
export function checkOutputFile(path: string, what: string): void {
  refuseNonRegular(path, what);
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  const info = statSync(folder, { throwIfNoEntry: false });
  let problem: string | undefined;
  if (!info?.isDirectory()) problem = `${folder} is not a folder`;
  else {
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      problem = `${folder} is not writable`;
    }
  }
  if (problem) throw new OrchError('state-write-failed', `cannot write ${what} to ${path}: ${problem}`, { hint: 'name a file in a folder you can write' });
}
