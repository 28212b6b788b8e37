import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Adds `<stateDir>/` to the `.gitignore` at `root`, unless a line already ignores it (`.orch`,
 * `.orch/`, `/.orch`, `/.orch/`). Returns whether it wrote. orch's state folder holds sessions,
 * logs and the local cache: never something to commit. A `.gitignore` it creates also ignores
 * `node_modules/` (what every JavaScript repository's first .gitignore has, as create-turbo's
 * templates do); one already there is the user's: only the state folder is added to it, as
 * `nx init` adds only `.nx/` folders.
 */
/** What a .gitignore that init creates ignores besides the state folder. */
export const CREATED_WITH = ['node_modules/'];

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
  await writeFileAtomic(file, text === undefined ? `${CREATED_WITH.map((line) => `${line}\n`).join('')}${wanted}/\n` : `${text}${separator}${wanted}/\n`);
  return text === undefined ? 'created' : 'added';
}
