import { execFile } from 'node:child_process';
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
export function askGit(cwd: string, args: readonly string[], dependsOn?: readonly GitState[]): Promise<string> {
  const kept = dependsOn && workTreeMemory()?.recallAnswer(cwd, args, dependsOn);
  if (kept?.answer !== undefined) return Promise.resolve(kept.answer);
  return new Promise((resolve, reject) =>
    // Without optional locks: `git diff` against the work tree refreshes the index and would write
    // it back, holding `index.lock` against the user's own `git add` (session 24's tester).
    execFile('git', ['--no-optional-locks', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (error) return reject(error);
      kept?.keep(stdout);
      resolve(stdout);
    }),
  );
}
