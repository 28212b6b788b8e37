import { statSync, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@orch/engine';
import type { MarkdownFile } from './walkMarkdownTree.js';

/**
 * The skills of a Claude Code skills folder: each `<name>/SKILL.md` is the skill `<name>` (the
 * files beside it are its own, not commands). Hidden and `_`-prefixed folders are skipped;
 * linked folders are followed (skills are often installed as links). A missing folder has none.
 */
export async function walkSkills(root: string): Promise<{ files: MarkdownFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  // Most packages of a workspace have no skills folder: a stat that throws nothing says so cheaply.
  if (!statSync(root, { throwIfNoEntry: false })) return { files: [], diagnostics };
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') diagnostics.push({ severity: 'error', code: 'commands/unreadable', message: `cannot read folder: ${(error as Error).message}`, location: { file: root } });
    return { files: [], diagnostics };
  }
  const found = await Promise.all(
    entries
      .filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
      .map(async (entry): Promise<MarkdownFile | undefined> => {
        const path = join(root, entry.name, 'SKILL.md');
        const file = await stat(path).catch(() => undefined);
        if (file?.isFile()) return { path, id: entry.name };
        diagnostics.push({ severity: 'warning', code: 'skills/no-skill-file', message: `skill folder '${entry.name}' has no SKILL.md; skipped`, location: { file: join(root, entry.name) }, hint: 'name the skill’s file SKILL.md (in capitals), or move the folder out of the skills folder' });
        return undefined;
      }),
  );
  const files = found.filter((file): file is MarkdownFile => file !== undefined).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { files, diagnostics };
}
