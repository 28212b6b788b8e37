import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Each path git reports as changed or untracked, with what it looked like. */
export type WorktreeSnapshot = Map<string, string>;

/**
 * What the worktree looks like now, from git's index and status (no walk of the tree): every
 * changed or untracked path, relative to `root`, with its status, size and modification time.
 * Undefined outside a git repository.
 */
export async function worktreeSnapshot(root: string): Promise<WorktreeSnapshot | undefined> {
  const toplevel = await repositoryTop(root);
  if (toplevel === undefined) return undefined;
  let output: string;
  try {
    ({ stdout: output } = await run('git', ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }));
  } catch {
    return undefined;
  }
  const snapshot: WorktreeSnapshot = new Map();
  const entries = output.split('\0').filter(Boolean);
  await Promise.all(
    entries.map(async (entry) => {
      const status = entry.slice(0, 2);
      const absolute = join(toplevel, entry.slice(3));
      const info = await stat(absolute).catch(() => undefined);
      snapshot.set(relative(root, absolute), `${status}:${info ? `${info.size}:${info.mtimeMs}` : 'gone'}`);
    }),
  );
  return snapshot;
}

const tops = new Map<string, Promise<string | undefined>>();

/** The repository's top folder (asked of git once per root), or undefined outside git. */
function repositoryTop(root: string): Promise<string | undefined> {
  let top = tops.get(root);
  if (!top) {
    top = run('git', ['rev-parse', '--show-toplevel'], { cwd: root }).then(
      ({ stdout }) => stdout.trim(),
      () => undefined,
    );
    tops.set(root, top);
  }
  return top;
}

/** Paths whose state differs between two snapshots. */
export function changedPaths(before: WorktreeSnapshot, after: WorktreeSnapshot): string[] {
  const changed = new Set<string>();
  for (const [path, state] of after) if (before.get(path) !== state) changed.add(path);
  for (const path of before.keys()) if (!after.has(path)) changed.add(path);
  return [...changed].sort();
}
