import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * How far up from the working directory orch looks for its config and its workspace root
 * (docs/configuration.md, "Where orch looks"). Code found there runs, so the search never
 * reaches a folder another user could have written into:
 *
 * - inside a git repository: up to the repository root (the nearest folder with `.git`);
 * - outside one: up to the nearest folder that marks a workspace root (`pnpm-workspace.yaml`,
 *   a `package.json` with `workspaces`, a `.claude` folder), never above `$HOME`; with no such
 *   folder, the working directory alone (cosmiconfig 9's default search is the working
 *   directory alone too; Turborepo and Nx find their root by such a marker);
 * - either way the climb never enters a folder anyone may write (`writableByAnyone`: `/tmp`),
 *   so a `.git`, marker or config planted in `/tmp` is never reached from a folder below it.
 */
export function searchBoundary(cwd: string): string {
  return repositoryRoot(cwd) ?? nearestRoot(cwd, workspaceMarked) ?? cwd;
}

/** Nearest folder (the start or a parent reached under the rules above) that holds `.git`. */
export function repositoryRoot(from: string): string | undefined {
  return nearestRoot(from, (dir) => existsSync(join(dir, '.git')));
}

/** Without a config: the nearest folder that looks like a workspace or repository root, else the working directory. */
export function defaultRoot(cwd: string): string {
  return nearestRoot(cwd, (dir) => existsSync(join(dir, '.git')) || workspaceMarked(dir)) ?? cwd;
}

function nearestRoot(from: string, isRoot: (dir: string) => boolean): string | undefined {
  const home = homedir();
  for (let dir = from; ; ) {
    if (isRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir || dir === home || writableByAnyone(parent)) return undefined;
    dir = parent;
  }
}

function workspaceMarked(dir: string): boolean {
  if (existsSync(join(dir, 'pnpm-workspace.yaml')) || existsSync(join(dir, '.claude'))) return true;
  try {
    return Boolean((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown } | null)?.workspaces);
  } catch {
    // no package.json, or one that does not parse: the workspace source reports the latter
    return false;
  }
}

/**
 * A folder any local user may put a file in, so not one to take code from: world-writable and
 * either shared (the sticky bit: `/tmp`, `/var/tmp`, `/dev/shm`) or owned by another user. A
 * world-writable folder of one's own (a checkout in a `chmod 777` volume) is not: whoever can
 * write there can change the repository itself.
 */
function writableByAnyone(dir: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    const { mode, uid } = statSync(dir);
    return (mode & 0o002) !== 0 && ((mode & 0o1000) !== 0 || uid !== process.getuid?.());
  } catch {
    return true;
  }
}
