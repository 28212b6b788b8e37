import { execFile } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pidAlive } from '../process/processIdentity.js';
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
 * A copy of the index git would use (`GIT_INDEX_FILE`, else the repository's, found through a
 * `.git` folder or a `.git` file's `gitdir:` as in a linked worktree or a submodule) beside it,
 * with the index's own times (git takes an entry changed in the index's second as racily clean
 * and compares its content: a copy stamped later would hide such a change), for a porcelain
 * `git diff` against the work tree to refresh and write back instead of the user's index
 * (session 24's tester: `orch affected` rewrote it, and a `git add` of the user's at that moment
 * failed on index.lock; `--no-optional-locks` does not stop `git diff`). Copies a killed orch
 * left there (its process gone) are removed first. Undefined when there is no index to copy.
 */
function scratchIndex(cwd: string): string | undefined {
  const index = process.env.GIT_INDEX_FILE ? resolve(cwd, process.env.GIT_INDEX_FILE) : repositoryIndex(cwd);
  if (!index) return undefined;
  removeLeftCopies(dirname(index), basename(index));
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

/** The index of the repository holding `cwd`: `.git/index`, or `<gitdir>/index` for a `.git` file (`gitdir: <path>`). */
function repositoryIndex(cwd: string): string | undefined {
  for (let folder = cwd; ; folder = dirname(folder)) {
    const dotGit = join(folder, '.git');
    const stats = statSync(dotGit, { throwIfNoEntry: false });
    if (stats?.isDirectory()) return join(dotGit, 'index');
    if (stats?.isFile()) {
      const found = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      return found ? join(resolve(folder, found[1]!.trim()), 'index') : undefined;
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/** Scratch copies of `name` in `folder` whose orch is gone (killed mid-diff), and their locks. */
function removeLeftCopies(folder: string, name: string): void {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  const prefix = `${name}.orch-`;
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) rmSync(join(folder, entry), { force: true });
  }
}
