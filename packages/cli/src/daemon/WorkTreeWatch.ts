import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import type { GitState, RememberedFiles, WorkTreeMemory } from '@orch/plugins';
import { gitSettings } from './gitSettings.js';
import { KeptGitAnswers } from './KeptGitAnswers.js';
import { OutsideRules } from './OutsideRules.js';

const run = promisify(execFile);
/** How long a cookie may take to come back through the watcher before the daemon stops trusting it for an invocation. */
const COOKIE_TIMEOUT_MS = 1_000;
/** How many changed paths are kept between two invocations (`changedPaths`); past it, "many". */
const CHANGED_LIMIT = 256;
/** How many changed paths are remembered for bringing a kept read up to date; past it, the read is done again. */
const CHANGED_AT_LIMIT = 4096;
/** Files at the top of git's folder that name commits: HEAD, FETCH_HEAD, ORIG_HEAD, MERGE_HEAD..., packed-refs, shallow (and their locks). */
const REF_FILE = /^(?:[A-Z][A-Z_]*|packed-refs|shallow)(?:\.lock)?$/;

/**
 * The daemon's watch of its work tree (chokidar), so a read of the repository (git's index,
 * status and listing of ignored files, and the dirty files' contents: `RepositoryFiles`) is kept
 * and handed back while nothing under the root has changed (`WorkTreeMemory`), as Turborepo's
 * daemon keeps file hashes. Every raw event of the file system (before chokidar's own processing,
 * in the order the kernel gave them) counts as a change, but in what cannot change git's answers:
 * git's folder except `index` and `HEAD`, what git ignores (listed when the watch starts; a
 * changed `.gitignore` or `info/exclude` ends the daemon's trust for good: `onStale`), orch's
 * state folder and cache. Git's answers to other questions (`recallAnswer`: `orch affected`'s)
 * are kept too, each while what it depends on has not changed: the work tree, or the refs (git's
 * `refs` and `reftable` folders and the files at the top of its folder that name commits: a
 * commit, checkout, fetch, reset or ref update writes one of them), or nothing (an answer about
 * commit ids, kept for good unless replace refs change). Before each invocation a cookie file is
 * written and waited for (`sync`): every change made before the invocation started has then been
 * counted, as Watchman's and Turborepo's cookies do. No answer, an error of the watcher, or no
 * watch (too many folders for the system's limit): nothing is remembered, and every read asks git.
 */
export class WorkTreeWatch implements WorkTreeMemory {
  private generation = 0;
  /** Counts changes to the refs (`namesCommits`), as `generation` counts those to the work tree. */
  private refsGeneration = 0;
  private readonly answers = new KeptGitAnswers();
  /**
   * Set when what Node resolves modules by may have changed (a package in a node_modules folder,
   * a package.json): Node keeps what it resolved for the life of the process, so the daemon stops.
   */
  codeChanged: string | undefined;
  /** Reads of the repository handed back from memory, for `orch daemon status`. */
  recalled = 0;
  /** Of those, the ones brought up to date where files changed (`recall`'s `changed`). */
  updated = 0;
  private kept: { generation: number; environment: string; files: RememberedFiles } | undefined;
  /** Path (absolute) → the generation it last changed at, so a kept read can be brought up to date (`recall`'s `changed`). */
  private readonly changedAt = new Map<string, number>();
  /** Before this generation what changed where is not known: an event that did not say where, or more than `CHANGED_AT_LIMIT` paths. */
  private placedSince = 0;
  private outsideRules = new OutsideRules(undefined);
  private trusted = false;
  private broken = false;
  private cookies = 0;
  /**
   * Whether a file's content id from its bytes and mode is the one git's index gives it: false
   * where git records another mode (`core.fileMode=false`) or content (`core.autocrlf`,
   * attributes files): a kept read is then read again rather than brought up to date, which would
   * give other hashes than orch alone (session 24's tester).
   */
  private contentIdsAsGit = true;
  /** The generation the last `sync` ended at: what changed after it is the next invocation's `changedPaths`. */
  private syncedAt = 0;
  /**
   * What changed between the invocation before and this one's `sync` (absolute paths), for
   * `fullCacheHit` to look first where a miss is likeliest; undefined when unknown (many, or an
   * event that did not say where).
   */
  changedPaths: ReadonlySet<string> | undefined;
  /** More changed since the invocation before than `changedPaths` keeps (a checkout, an install), or changes an event did not place. */
  changedMany = false;
  private readonly waiting = new Map<string, () => void>();
  /** The repository's own git settings that can change git's answers (`gitSettings`), as the watch began. */
  private settings = '';
  /** `.git/config` was written since the last `sync`: its settings are compared then. */
  private settingsTouched = false;
  private watcher: FSWatcher | undefined;

  private constructor(
    readonly root: string,
    private readonly cookieDir: string,
    private readonly notWatched: (path: string) => boolean,
    private readonly irrelevant: (path: string) => boolean,
    private readonly namesCommits: (path: string) => boolean,
    private readonly replaceRefs: string,
    private readonly onStale: (why: string) => void,
    /** What git ignored when the watch began (absolute; ignored still: a change of the rules ends the trust). */
    private readonly ignoredAtStart: ReadonlySet<string> = new Set(),
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
    // In git's folder only these count: the index, HEAD, and where ignore rules live.
    const gitFiles = new Set([join(gitDir, 'index'), join(gitDir, 'HEAD'), join(gitDir, 'config'), join(gitDir, 'info'), join(gitDir, 'info', 'exclude')]);
    // Inside a repository within this one (a `.git` below the top folder): its own business.
    const nestedGit = (path: string): boolean => path.slice(root.length + 1).split(sep).slice(1, -1).includes('.git');
    // Where git keeps what names a commit: refs (and the reftable format's folder), HEAD, packed-refs...
    const namesCommits = (path: string): boolean => within(path, join(gitDir, 'refs')) || within(path, join(gitDir, 'reftable')) || (dirname(path) === gitDir && REF_FILE.test(basename(path)));
    // A change that cannot alter git's answers about the work tree: in git's folder (but those), a nested repository's, orch's own.
    const irrelevant = (path: string): boolean =>
      (within(path, gitDir) && path !== gitDir && !gitFiles.has(path)) || nestedGit(path) || own.some((dir) => within(path, dir));
    // Not entered: those, what git ignores (a file appearing or going there is still seen, in the
    // folder above), and installed packages (only a node_modules folder's own entries are watched).
    const notWatched = (path: string): boolean => {
      // A cookie is seen by its folder's watch (raw events come before this filter): not added
      // as a file of its own (a stat, a realpath and a watch of its own per invocation).
      if (path !== cookieDir && within(path, cookieDir)) return true;
      if (path === root || path === cookieDir || path === gitDir || path === join(gitDir, 'info') || namesCommits(path)) return false;
      const installed = installedEntry(path);
      if (installed !== undefined) return installed !== 'folder';
      return irrelevant(path) || ignored.has(path);
    };
    const watch = new WorkTreeWatch(root, cookieDir, notWatched, irrelevant, namesCommits, join(gitDir, 'refs', 'replace'), onStale, ignored);
    const { stdout: excludes } = await run('git', ['config', '--path', '--get', 'core.excludesFile'], { cwd: root }).catch(() => ({ stdout: '' }));
    watch.outsideRules = new OutsideRules(excludes.trim() || undefined);
    watch.outsideRules.changed();
    watch.settings = await gitSettings(root);
    watch.contentIdsAsGit = await contentIdsAsGit(root);
    await watch.open();
    return watch;
  }

  private open(): Promise<void> {
    // The cookie folder is watched on its own: orch's state folder above it is not entered, so the
    // invocation's own writes there (its session, records, metrics, the daemon's log) wake nothing.
    const watcher = watch([this.root, this.cookieDir], { ignoreInitial: true, ignored: (path: string) => this.notWatched(path) });
    this.watcher = watcher;
    watcher.on('raw', (_event, path, details) => this.raw(path as string | null | undefined, (details as { watchedPath?: string } | undefined)?.watchedPath));
    // What chokidar finds crawling a folder that just appeared (a file written there before the
    // folder's own watch began raises no raw event) counts too.
    watcher.on('all', (_event, path) => this.raw(path, dirname(path)));
    watcher.on('error', () => this.stopTrusting());
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  /**
   * Whether every file of a read of the repository (tracked, or untracked and hashed) is in a
   * folder the watch enters. A file in a folder git ignored when the watch began (tracked since:
   * a branch that commits it, `git add -f`) or inside an installed package (vendored, or
   * node_modules not ignored) changes unseen: such a read is never kept, and nothing is kept from
   * then on (git is asked each time); for an ignored folder the daemon stops too, so a new one
   * watches afresh (a tracked file's). Says which file in the log.
   */
  private watchesAll(files: RememberedFiles): boolean {
    const entered = new Map<string, boolean>();
    const enteredFolder = (folder: string): boolean => {
      if (folder === this.root || folder.length <= this.root.length) return true;
      let known = entered.get(folder);
      if (known === undefined) {
        known = !this.notWatched(folder) && enteredFolder(dirname(folder));
        entered.set(folder, known);
      }
      return known;
    };
    for (const path of files.hashes.keys()) {
      const full = join(this.root, path);
      if (enteredFolder(dirname(full))) continue;
      this.stopTrusting();
      this.onStale(`${full} is read by tasks but in a folder the watch does not enter`);
      // A tracked file: a new daemon's listing of ignored folders leaves its folder out, and watches it.
      if (installedEntry(full) === undefined && files.tracked.has(path)) this.codeChanged ??= `${full} is tracked in a folder git ignored when the daemon began`;
      return false;
    }
    return true;
  }

  private raw(path: string | null | undefined, watchedPath: string | undefined): void {
    if (!path || watchedPath === undefined) {
      // An event that does not say where: a change anywhere.
      this.generation++;
      this.placedSince = this.generation;
      this.changedAt.clear();
      this.refsGeneration++;
      return;
    }
    const full = isAbsolute(path) ? path : watchedPath.endsWith(sep + path) ? watchedPath : join(watchedPath, path);
    if (full.startsWith(this.cookieDir + sep)) {
      this.waiting.get(basename(full))?.();
      return;
    }
    // A package added, removed or re-linked, or a package.json (exports, main): what Node
    // resolved and keeps for good may differ now; the daemon stops (`codeChanged`).
    if (installedEntry(full) !== undefined || basename(full) === 'package.json') {
      this.codeChanged ??= `${full} changed`;
      if (installedEntry(full) !== undefined) return;
    }
    if (this.namesCommits(full)) {
      this.refsGeneration++;
      // A replace ref changes what a commit id's history and tree read as: nothing about commits holds.
      if (full === this.replaceRefs || full.startsWith(this.replaceRefs + sep)) this.answers.clear();
    }
    if (this.irrelevant(full)) return;
    this.generation++;
    if (this.changedAt.size >= CHANGED_AT_LIMIT) {
      this.changedAt.clear();
      this.placedSince = this.generation;
    } else this.changedAt.set(full, this.generation);
    if (full === join(this.root, '.git', 'config')) {
      // Mostly branches and remotes (`git branch -D`, `git fetch` write it): checked before the next invocation.
      this.settingsTouched = true;
      this.refsGeneration++;
    } else if (basename(full) === '.gitattributes') {
      // An attributes file (filters, eol) now or gone: files' ids may be git's own, not their bytes'.
      this.contentIdsAsGit = false;
    } else if (basename(full) === '.gitignore' || full.startsWith(join(this.root, '.git', 'info'))) {
      // What is not watched (folders git ignored when the watch began) may count now: a new daemon watches afresh.
      // Said once: a write raises several events.
      if (!this.broken) this.onStale(`${full} changed`);
      this.stopTrusting();
      this.codeChanged ??= `${full} changed (git's ignore rules or settings)`;
    }
  }

  /**
   * Before an invocation: waits until every change made before now has been counted. A warm-up
   * round (`keepChanged`) leaves what changed since the invocation before to the next invocation
   * (an edit during the warm-up is still looked at first then: found by a fresh tester, session 26).
   */
  async sync(options: { keepChanged?: boolean } = {}): Promise<void> {
    this.trusted = false;
    this.changedPaths = undefined;
    this.changedMany = false;
    if (this.broken) return;
    if (this.settingsTouched) {
      this.settingsTouched = false;
      if ((await gitSettings(this.root)) !== this.settings) {
        const why = `${join(this.root, '.git', 'config')} changed (git's settings)`;
        this.onStale(why);
        this.stopTrusting();
        this.codeChanged ??= why;
        return;
      }
    }
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
    // Every change made before the invocation is in now (the cookie came after them).
    const since = this.syncedAt;
    if (!options.keepChanged) this.syncedAt = this.generation;
    const placed = this.placedSince <= since ? this.changedSince(since) : undefined;
    const paths = placed && placed.absolute.length <= CHANGED_LIMIT ? new Set(placed.absolute) : undefined;
    this.changedPaths = this.trusted ? paths : undefined;
    this.changedMany = this.trusted && paths === undefined;
    rmSync(cookie, { force: true });
  }

  /** After an invocation: nothing is handed back until the next `sync`. */
  end(): void {
    this.trusted = false;
  }

  recall(root: string): { files?: RememberedFiles; changed?: readonly string[]; changedIgnored?: boolean; keep(files: RememberedFiles, how?: 'updated'): void } | undefined {
    if (root !== this.root || !this.trusted || !this.stillTrusted()) return undefined;
    const generation = this.generation;
    // Git's answers depend on its environment too (the invocation's: HOME, XDG_CONFIG_HOME, GIT_*).
    const environment = gitEnvironment();
    const kept = this.kept?.environment === environment ? this.kept : undefined;
    // Changed since that read began, every path known: the read with those paths to look at again.
    const changed = kept && kept.generation !== generation && this.contentIdsAsGit && this.placedSince <= kept.generation ? this.changedSince(kept.generation) : undefined;
    const files = kept && (kept.generation === generation || changed) ? kept.files : undefined;
    if (files && !changed) this.recalled++;
    return {
      ...(files ? { files } : {}),
      ...(files && changed ? { changed: changed.paths, changedIgnored: changed.ignored } : {}),
      keep: (files, how) => {
        if (how === 'updated') {
          this.recalled++;
          this.updated++;
        }
        if (!this.broken && this.watchesAll(files)) this.kept = { generation, environment, files };
      },
    };
  }

  /**
   * What changed after `generation`: every path (`absolute`), and those git did not ignore when the
   * watch began relative to the root and `/`-separated (git's form: `paths`), `ignored` saying
   * whether one it ignored did.
   */
  private changedSince(generation: number): { absolute: string[]; paths: string[]; ignored: boolean } {
    const absolute: string[] = [];
    const paths: string[] = [];
    let ignored = false;
    for (const [path, at] of this.changedAt) {
      if (at <= generation) continue;
      absolute.push(path);
      if (this.ignoredAtStart.has(path)) ignored = true;
      else paths.push(path.slice(this.root.length + 1).split(sep).join('/'));
    }
    return { absolute, paths, ignored };
  }

  recallAnswer(root: string, args: readonly string[], dependsOn: readonly GitState[]): { answer?: string; keep(answer: string): void } | undefined {
    // An answer about commit ids holds whatever the work tree does: only the refs' and files' need the cookie.
    if (root !== this.root || (dependsOn.length > 0 && !this.trusted) || !this.stillTrusted()) return undefined;
    const stamp = dependsOn.map((state) => (state === 'refs' ? `refs ${this.refsGeneration}` : `work tree ${this.generation}`)).join(', ');
    const key = JSON.stringify([gitEnvironment(), args]);
    const answer = this.answers.recall(key, stamp);
    if (answer !== undefined) this.recalled++;
    return {
      ...(answer !== undefined ? { answer } : {}),
      // Kept with the stamp it was asked at: a change while git ran makes it stale at once.
      keep: (output) => {
        if (!this.broken) this.answers.keep(key, stamp, output);
      },
    };
  }

  /** False once git's rules or settings outside the work tree changed (said once, and nothing is trusted again). */
  private stillTrusted(): boolean {
    if (this.broken) return false;
    if (!this.outsideRules.changed()) return true;
    this.stopTrusting();
    this.onStale('git ignore rules or settings outside the repository changed');
    return false;
  }

  private stopTrusting(): void {
    this.broken = true;
    this.kept = undefined;
    this.answers.clear();
  }

  close(): Promise<void> {
    return this.watcher?.close() ?? Promise.resolve();
  }
}

/** False where git's settings or attributes make an index id differ from the id of a file's own bytes and mode (`WorkTreeWatch.contentIdsAsGit`). */
async function contentIdsAsGit(root: string): Promise<boolean> {
  const { stdout } = await run('git', ['config', '--get-regexp', '^core\\.(filemode|autocrlf|attributesfile)$'], { cwd: root }).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const [key, value = ''] = line.trim().toLowerCase().split(/\s+/, 2);
    if (key === 'core.filemode' && ['false', 'no', 'off', '0'].includes(value)) return false;
    if (key === 'core.autocrlf' && !['false', 'no', 'off', '0'].includes(value)) return false;
    if (key === 'core.attributesfile' && value !== '') return false;
  }
  const { stdout: attributes } = await run('git', ['ls-files', '-z', '--', '.gitattributes', '**/.gitattributes'], { cwd: root }).catch(() => ({ stdout: '' }));
  return attributes === '' && !statSync(join(root, '.git', 'info', 'attributes'), { throwIfNoEntry: false });
}

/** What git ignores under `root` (absolute; folders not entered), as the watch starts. */
async function ignoredByGit(root: string): Promise<Set<string>> {
  const { stdout } = await run('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z'], { cwd: root, maxBuffer: 512 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
  return new Set(stdout.split('\0').filter(Boolean).map((entry) => join(root, entry.replace(/\/$/, ''))));
}

/**
 * Where `path` is among installed packages: `folder` for a node_modules folder or a scope in it
 * (`@org`), watched for its own entries; `entry` for anything inside; undefined elsewhere.
 */
function installedEntry(path: string): 'folder' | 'entry' | undefined {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const below = parts.length - 1 - at;
  if (below === 0 || (below === 1 && parts[at + 1]!.startsWith('@'))) return 'folder';
  return 'entry';
}

/** The variables git's answers depend on besides the files: the invocation's. */
function gitEnvironment(): string {
  return JSON.stringify(Object.entries(process.env).filter(([name]) => name === 'HOME' || name === 'XDG_CONFIG_HOME' || name.startsWith('GIT_')).sort());
}
