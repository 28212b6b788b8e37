import { execFile } from 'node:child_process';
import { copyFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { indexFile } from '../cache/trackedFiles.js';
import { workTreeMemory, type GitState } from '../cache/WorkTreeMemory.js';

/**
 * Git's standard output for `args`, run in `cwd` with `--no-optional-locks` (it never writes the
 * index it refreshed); rejects with `execFile`'s error when git fails
 * (a failure is never kept). In the daemon, the answer is kept and handed back while none of
 * `dependsOn` has changed (`WorkTreeMemory`, docs/daemon.md): each git process costs the daemon's
 * main thread ~6 ms to spawn at 500 packages, and `orch affected` asks six questions (issue 13).
 * `dependsOn` must name everything the answer can change with: an empty list only for a function
 * of immutable objects (commit ids); undefined for an answer never kept (one that depends on
 * what is not watched: the reflog, the object database).
 */
export function askGit(cwd: string, args: readonly string[], dependsOn?: readonly GitState[], options: { scratchIndex?: boolean } = {}): Promise<string> {
  const kept = dependsOn && workTreeMemory()?.recallAnswer(cwd, args, dependsOn);
  if (kept?.answer !== undefined) return Promise.resolve(kept.answer);
  const scratch = options.scratchIndex ? scratchIndex(cwd) : undefined;
  return new Promise<string>((resolve, reject) =>
    execFile('git', ['--no-optional-locks', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', ...(scratch ? { env: { ...process.env, GIT_INDEX_FILE: scratch } } : {}) }, (error, stdout) => {
      if (error) return reject(error);
      kept?.keep(stdout);
      resolve(stdout);
    }),
  ).finally(() => {
    if (scratch) for (const file of [scratch, `${scratch}.lock`]) rmSync(file, { force: true });
  });
}

let scratches = 0;

/**
 * A copy of the repository's index beside it, with the index's own times (git takes an entry
 * changed in the index's second as racily clean and compares its content: a copy stamped later
 * would hide such a change), for a porcelain `git diff` against the work tree to refresh and write
 * back instead of the user's index (session 24's tester: `orch affected` rewrote `.git/index`,
 * and a `git add` of the user's at that moment failed on index.lock; `--no-optional-locks` does
 * not stop `git diff`). Undefined where the index is not at `.git/index` above `cwd` (a linked
 * worktree, a submodule), or cannot be copied: git's own then.
 */
function scratchIndex(cwd: string): string | undefined {
  const index = indexFile(cwd);
  if (!index) return undefined;
  const copy = `${index}.orch-${process.pid}-${++scratches}`;
  try {
    const { atime, mtime } = statSync(index);
    copyFileSync(index, copy);
    utimesSync(copy, atime, mtime);
    return copy;
  } catch {
    rmSync(copy, { force: true });
    return undefined;
  }
}
