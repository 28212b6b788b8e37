/** What a read of the repository found, as `WorkTreeMemory` keeps it. */
export interface RememberedFiles {
  hashes: ReadonlyMap<string, string>;
  tracked: ReadonlySet<string>;
  inGit: boolean;
  /** Git's listing of ignored files and folders, sorted, once a task asked for it. */
  ignored?: readonly string[];
}

/**
 * What a git answer is a function of, besides its arguments and git's environment: `refs` (the
 * refs and what names a commit: branches, tags, remotes, `HEAD`, `FETCH_HEAD`, `packed-refs`,
 * the shallow boundary), `work tree` (the files, git's index and `HEAD`). An answer that depends on
 * neither is a function of immutable objects (the diff between two commit ids) and may be kept
 * for as long as the process lives.
 */
export type GitState = 'refs' | 'work tree';

/**
 * What a process that watches the work tree can promise (the daemon, docs/daemon.md): a read of
 * a root it watches is kept, and handed back while nothing under the root has changed since that
 * read began. `recall` is asked when a read starts: `files` when an earlier one still holds, or
 * with `changed` (paths relative to the root) when it held but for those paths, each of which the
 * reader looks at again or, when it cannot tell what they are, reads everything again, and for
 * files git ignores (`changedIgnored`: its listing of them may differ); `keep` to
 * keep this one (`'updated'`: the recalled one with those paths looked at again, git asked
 * nothing; a read that saw a change while it ran is not kept). Undefined for a root it does
 * not watch, or when it cannot tell.
 */
export interface WorkTreeMemory {
  recall(root: string): { files?: RememberedFiles; changed?: readonly string[]; changedIgnored?: boolean; keep(files: RememberedFiles, how?: 'updated'): void } | undefined;
  /**
   * Git's output for `args` run in `root`, kept while none of `dependsOn` has changed since it
   * was asked (and while git's environment is the same): `answer` when an earlier one still
   * holds; `keep` to keep this one (not kept if one of `dependsOn` changed meanwhile).
   */
  recallAnswer(root: string, args: readonly string[], dependsOn: readonly GitState[]): { answer?: string; keep(answer: string): void } | undefined;
}

let memory: WorkTreeMemory | undefined;

/** Sets (or clears) the process's `WorkTreeMemory`: only the daemon has one. */
export function useWorkTreeMemory(kept: WorkTreeMemory | undefined): void {
  memory = kept;
}

/** The process's `WorkTreeMemory`, if it has one (the daemon's, once it watches its work tree). */
export function workTreeMemory(): WorkTreeMemory | undefined {
  return memory;
}
