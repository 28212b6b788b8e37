import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Adds `<stateDir>/` to the `.gitignore` at `root` (creating the file if there is none), unless a
 * line already ignores it (`.orch`, `.orch/`, `/.orch`, `/.orch/`). Returns whether it wrote.
 * orch's state folder holds sessions, logs and the local cache: never something to commit.
 */
export async function ignoreStateDir(root: string, stateDir: string): Promise<'added' | 'created' | 'present'> {
  const file = join(root, '.gitignore');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const wanted = stateDir.replace(/^\/+|\/+$/g, '');
  const lines = (text ?? '').split(/\r?\n/).map((line) => line.trim().replace(/^\/+|\/+$/g, ''));
  if (lines.includes(wanted)) return 'present';
  const separator = text === undefined || text === '' || text.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(file, `${text ?? ''}${separator}${wanted}/\n`);
  return text === undefined ? 'created' : 'added';
}
