import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import type { RememberedFiles, WorkTreeMemory } from '@orch/plugins';

const run = promisify(execFile);
/** How long a cookie may take to come back through the watcher before the daemon stops trusting it for an invocation. */
const COOKIE_TIMEOUT_MS = 1_000;

/**
 * The daemon's watch of its work tree (chokidar), so a read of the repository (git's index,
 * status and listing of ignored files, and the dirty files' contents: `RepositoryFiles`) is kept
 * and handed back while nothing under the root has changed (`WorkTreeMemory`), as Turborepo's
 * daemon keeps file hashes. Every raw event of the file system (before chokidar's own processing,
 * in the order the kernel gave them) counts as a change, but in what cannot change git's answers:
 * git's folder except `index` and `HEAD`, what git ignores (listed when the watch starts; a
 * changed `.gitignore` or `info/exclude` ends the daemon's trust for good: `onStale`), orch's
 * state folder and cache. Before each invocation a cookie file is written and waited for
 * (`sync`): every change made before the invocation started has then been counted, as Watchman's
 * and Turborepo's cookies do. No answer, an error of the watcher, or no watch (too many folders
 * for the system's limit): nothing is remembered, and every read asks git.
 */
export class WorkTreeWatch implements WorkTreeMemory {
  private generation = 0;
  /** Reads of the repository handed back from memory, for `orch daemon status`. */
  recalled = 0;
  private kept: { generation: number; files: RememberedFiles } | undefined;
  private trusted = false;
  private broken = false;
  private cookies = 0;
  private readonly waiting = new Map<string, () => void>();
  private watcher: FSWatcher | undefined;

  private constructor(
    readonly root: string,
    private readonly cookieDir: string,
    private readonly notWatched: (path: string) => boolean,
    private readonly irrelevant: (path: string) => boolean,
    private readonly onStale: (why: string) => void,
  ) {}

  /**
   * Starts watching `root` (a real path, the top of a git work tree); `own` are orch's folders
   * there (state first, then cache). Resolves once the first scan is done; undefined where there
   * is no `.git` folder at the root (a linked worktree's index is elsewhere).
   */
  static async start(root: string, own: readonly string[], onStale: (why: string) => void): Promise<WorkTreeWatch | undefined> {
    if (!statSync(join(root, '.git'), { throwIfNoEntry: false })?.isDirectory()) return undefined;
    const cookieDir = join(own[0]!, 'daemon-cookies');
    rmSync(cookieDir, { recursive: true, force: true });
    mkdirSync(cookieDir, { recursive: true });
    const ignored = await ignoredByGit(root);
    const gitDir = join(root, '.git');
    const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + sep);
    // A change that cannot alter git's answers: in git's folder (but its index and HEAD), a nested repository's, orch's own.
    const irrelevant = (path: string): boolean =>
      (within(path, gitDir) && path !== gitDir && path !== join(gitDir, 'index') && path !== join(gitDir, 'HEAD')) ||
      path.slice(root.length).split(sep).slice(0, -1).includes('.git') ||
      own.some((dir) => within(path, dir));
    // Not entered: those, and what git ignores (a file appearing or going there is still seen, in the folder above).
    const notWatched = (path: string): boolean => {
      if (path === root || within(path, cookieDir) || path === gitDir) return false;
      if (own.some((dir) => path === dir)) return !cookieDir.startsWith(path + sep);
      return irrelevant(path) || ignored.has(path);
    };
    const watch = new WorkTreeWatch(root, cookieDir, notWatched, irrelevant, onStale);
    await watch.open();
    return watch;
  }

  private open(): Promise<void> {
    const watcher = watch(this.root, { ignoreInitial: true, ignored: (path: string) => this.notWatched(path) });
    this.watcher = watcher;
    watcher.on('raw', (_event, path, details) => this.raw(path as string | null | undefined, (details as { watchedPath?: string } | undefined)?.watchedPath));
    watcher.on('error', () => this.stopTrusting());
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  private raw(path: string | null | undefined, watchedPath: string | undefined): void {
    if (!path || watchedPath === undefined) {
      // An event that does not say where: a change anywhere.
      this.generation++;
      return;
    }
    const full = isAbsolute(path) ? path : watchedPath.endsWith(sep + path) ? watchedPath : join(watchedPath, path);
    if (full.startsWith(this.cookieDir + sep)) {
      this.waiting.get(basename(full))?.();
      return;
    }
    if (this.irrelevant(full)) return;
    this.generation++;
    if (basename(full) === '.gitignore' || full === join(this.root, '.git', 'info', 'exclude')) {
      this.stopTrusting();
      this.onStale(`${full} changed`);
    }
  }

  /** Before an invocation: waits until every change made before now has been counted. */
  async sync(): Promise<void> {
    this.trusted = false;
    if (this.broken) return;
    const name = `${process.pid}-${++this.cookies}`;
    const seen = new Promise<boolean>((resolve) => {
      this.waiting.set(name, () => resolve(true));
      setTimeout(() => resolve(false), COOKIE_TIMEOUT_MS).unref();
    });
    const cookie = join(this.cookieDir, name);
    try {
      writeFileSync(cookie, '');
    } catch {
      return;
    }
    this.trusted = await seen;
    this.waiting.delete(name);
    rmSync(cookie, { force: true });
  }

  /** After an invocation: nothing is handed back until the next `sync`. */
  end(): void {
    this.trusted = false;
  }

  recall(root: string): { files?: RememberedFiles; keep(files: RememberedFiles): void } | undefined {
    if (root !== this.root || !this.trusted || this.broken) return undefined;
    const generation = this.generation;
    const kept = this.kept?.generation === generation ? this.kept.files : undefined;
    if (kept) this.recalled++;
    return {
      ...(kept ? { files: kept } : {}),
      keep: (files) => {
        if (!this.broken) this.kept = { generation, files };
      },
    };
  }

  private stopTrusting(): void {
    this.broken = true;
    this.kept = undefined;
  }

  close(): Promise<void> {
    return this.watcher?.close() ?? Promise.resolve();
  }
}

/** What git ignores under `root` (absolute; folders not entered), as the watch starts. */
async function ignoredByGit(root: string): Promise<Set<string>> {
  const { stdout } = await run('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z'], { cwd: root, maxBuffer: 512 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
  return new Set(stdout.split('\0').filter(Boolean).map((entry) => join(root, entry.replace(/\/$/, ''))));
}
