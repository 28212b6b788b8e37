import { execFile } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { linkTargets } from '../cache/linkTargets.js';
import type { ChangedFile } from './changedFiles.js';

const run = promisify(execFile);

/** A changed file that a symbolic link of the workspace leads to (or leads into). */
export interface LinkedChange {
  /** The link, relative to the root. */
  link: string;
  file: ChangedFile;
}

/**
 * Changes a task sees through symbolic links: for each link in the workspace (tracked ones,
 * and links among the changed files) whose target is inside it, the changed files that are
 * the target or under it. A task reads the target, so its hash takes the target's content
 * (docs/caching.md), and `orch affected` counts the change for the package holding the link.
 * Outside git there are no tracked links to read: none are found. `tracked`: the links git's
 * index tracks when the caller listed them already (`ChangeSet.links`); otherwise git is asked.
 */
export async function linkedChanges(root: string, files: readonly ChangedFile[], tracked?: ReadonlySet<string>): Promise<LinkedChange[]> {
  if (files.length === 0) return [];
  const links = new Set(tracked ?? (await trackedLinks(root)));
  await Promise.all(
    files.map(async (file) => {
      if (file.status !== 'deleted' && (await lstat(join(root, file.path)).then((stats) => stats.isSymbolicLink(), () => false))) links.add(file.path);
    }),
  );
  const found: LinkedChange[] = [];
  for (const [link, target] of await linkTargets(root, links)) {
    // A link whose target was deleted still says which file the task reads (and now cannot).
    if (target.kind === 'outside' || isAbsolute(target.path)) continue;
    for (const file of files) {
      if (file.path === link) continue;
      if (target.path === '' || file.path === target.path || file.path.startsWith(`${target.path}/`)) found.push({ link, file });
    }
  }
  return found;
}

async function trackedLinks(root: string): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '-s', '-z', '--', '.'], { cwd: root, maxBuffer: 512 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
  return stdout.split('\0').filter((entry) => entry.startsWith('120000 ')).map((entry) => entry.slice(entry.indexOf('\t') + 1));
}
