import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@orch/engine';

export interface MarkdownFile {
  /** Absolute path. */
  path: string;
  /** Path below the tree's root, `/`-separated, without `.md`: the command id. */
  id: string;
}

/**
 * Every command file below `root`: markdown files, at any depth, except `README.md`, hidden
 * entries and `_`-prefixed folders and files (partials). Symbolic links are followed; a link
 * back to a folder already being walked is a loop, reported and skipped.
 */
export async function walkMarkdownTree(root: string): Promise<{ files: MarkdownFile[]; diagnostics: Diagnostic[] }> {
  const files: MarkdownFile[] = [];
  const diagnostics: Diagnostic[] = [];

  async function walk(dir: string, prefix: string, ancestors: ReadonlySet<string>): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      diagnostics.push({ severity: 'error', code: 'commands/unreadable', message: `cannot read folder: ${(error as Error).message}`, location: { file: dir } });
      return;
    }
    const pending: Promise<void>[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.') || name.startsWith('_')) continue;
      const path = join(dir, name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path);
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch (error) {
          // A chain of links that comes back to itself (`a.md -> b.md -> a.md`) is a loop, not a missing target (findings R2 #17).
          const loop = (error as { code?: string }).code === 'ELOOP';
          diagnostics.push(
            loop
              ? { severity: 'warning', code: 'commands/symlink-loop', message: `symbolic link loop: '${prefix}${name}' leads back to itself through other links; skipped`, location: { file: path }, hint: 'point the link at a file' }
              : { severity: 'warning', code: 'commands/broken-link', message: `broken symbolic link '${prefix}${name}' skipped`, location: { file: path } },
          );
          continue;
        }
      }
      if (isDirectory) {
        const real = await realpath(path).catch(() => path);
        if (ancestors.has(real)) {
          diagnostics.push({
            severity: 'warning',
            code: 'commands/symlink-loop',
            message: `symbolic link loop: '${prefix}${name}' leads back to ${real}; skipped`,
            location: { file: path },
            hint: 'remove the link, or point it outside the commands folder',
          });
          continue;
        }
        pending.push(walk(path, `${prefix}${name}/`, new Set([...ancestors, real])));
      } else if (isFile && name.endsWith('.md') && name.toLowerCase() !== 'readme.md') {
        files.push({ path, id: `${prefix}${name.slice(0, -3)}` });
      }
    }
    await Promise.all(pending);
  }

  const rootReal = await realpath(root).catch(() => undefined);
  if (rootReal === undefined) return { files, diagnostics };
  await walk(root, '', new Set([rootReal]));
  files.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { files, diagnostics };
}
