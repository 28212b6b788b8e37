import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Engine } from '@orch/engine';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { workerPool } from '../executors/NodeExecutorPlugin.js';
import { contentId, contentIdMode, hashFilesHere } from './gitBlobHash.js';
import { linkTargets, type LinkTarget } from './linkTargets.js';
import { workTreeMemory, type RememberedFiles } from './WorkTreeMemory.js';
import { pathMatcher } from './pathMatcher.js';
import { withPrefix } from './withPrefix.js';

const run = promisify(execFile);

/** Above this many files to read, hashing goes to the worker pool. */
const POOL_THRESHOLD = 64;

/**
 * Content ids of the repository's files, relative to the workspace root, read once per run:
 * clean tracked files from git's index (`git ls-files -s`: no file is read), dirty and untracked
 * (not ignored) files read and hashed, in the worker pool when there are many; skip-worktree and
 * assume-unchanged files read too, and the files of git repositories inside (submodules,
 * untracked clones) as they are checked out (docs/caching.md). Outside git,
 * every file not under node_modules, .git or the state folder is read.
 */
export class RepositoryFiles {
  private hashes: ReadonlyMap<string, string> | undefined;
  private reading: Promise<ReadonlyMap<string, string>> | undefined;
  private sorted: [string, string][] | undefined;
  private ignoredEntries: Promise<string[]> | undefined;
  /** Content ids of ignored files read so far (tasks whose inputs name the same ones share them). */
  private readonly ignoredHashes = new Map<string, string>();
  private linkMap: Promise<ReadonlyMap<string, LinkTarget>> | undefined;
  private readonly reached = new Map<string, Promise<ThroughLink>>();
  /** Files git tracks (in its index), relative to the root: an `outputs` glob never takes them out of the inputs. */
  get tracked(): ReadonlySet<string> {
    return this.recalledTracked ?? this.trackedFiles;
  }
  private readonly trackedFiles = new Set<string>();
  /** The tracked files of a remembered read (`recalled`), shared, not copied. */
  private recalledTracked: ReadonlySet<string> | undefined;
  private readonly globs = new Map<string, { matches: (path: string) => boolean; scanned: ReturnType<typeof picomatch.scan>[] }>();
  /** How many files had to be read (dirty, untracked, or no git). */
  readCount = 0;
  inGit = false;
  /** Keeps git's listing of ignored files with the read it belongs to (`WorkTreeMemory`). */
  private keepIgnored: ((ignored: readonly string[]) => void) | undefined;

  constructor(
    private readonly root: string,
    private readonly stateDir: string,
    private readonly engine?: Engine,
    /** `fresh`: read now, never taken from or given to the daemon's memory (tasks of this run wrote files since it was last read, `TaskHasher`). */
    private readonly options: { fresh?: boolean } = {},
  ) {}

  /** Path (relative to the root, `/`-separated) → content id, read once however many tasks ask at once. */
  all(): Promise<ReadonlyMap<string, string>> {
    if (!this.reading) {
      this.startedAt = Date.now();
      this.reading = this.read();
    }
    return this.reading;
  }

  /** When the read began (ms since the epoch): a file changed since is not known to it. */
  startedAt: number | undefined;

  /**
   * The files under a folder (relative to the root; '' for all), path → content id, found by
   * binary search in the paths sorted once: a task's own files cost no scan of the repository.
   */
  async under(folder: string): Promise<[string, string][]> {
    await this.all();
    const sorted = (this.sorted ??= [...this.hashes!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (folder === '' || folder === '.') return sorted;
    return withPrefix(sorted, ([path]) => path, `${folder}/`);
  }

  private async read(): Promise<ReadonlyMap<string, string>> {
    const memory = this.options.fresh ? undefined : workTreeMemory()?.recall(this.root);
    if (memory?.files && !memory.changed) return this.recalled(memory.files, memory);
    const updated = memory?.files && memory.changed ? await this.updated(memory.files, memory.changed, memory.changedIgnored === true) : undefined;
    if (updated) {
      memory!.keep(updated, 'updated');
      return this.recalled(updated, memory!);
    }
    const hashes = new Map<string, string>();
    const git = await this.fromGit(hashes);
    if (!git) {
      const files = await glob(['**/*'], { cwd: this.root, dot: true, ignore: ['**/node_modules/**', '**/.git/**', `${this.stateDir}/**`] });
      await this.hashInto(hashes, files);
    }
    this.hashes = hashes;
    if (memory) {
      const files: RememberedFiles = { hashes: new Map(hashes), tracked: new Set(this.tracked), inGit: this.inGit };
      memory.keep(files);
      // The listing, when a task asks for it, is kept with the read it belongs to.
      this.keepIgnored = (ignored) => memory.keep({ ...files, ignored });
    }
    return hashes;
  }

  /**
   * An earlier read brought up to date where the watch saw changes (`WorkTreeMemory`'s
   * `changed`), when each is a tracked file that is still a file or a link, or gone: those are
   * hashed again (content, as a dirty file's) or left out (as git's status says of a deleted one),
   * and git is asked nothing. A change to the index, `HEAD`, an untracked path or a folder can
   * change more than itself: undefined, and the repository is read again. Git's listing of
   * ignored files holds (an edit of a tracked file is not one of its entries), unless a file git
   * ignores changed (`changedIgnored`: it may have come or gone): then it is listed again when a
   * task asks.
   */
  private async updated(files: RememberedFiles, changed: readonly string[], changedIgnored: boolean): Promise<RememberedFiles | undefined> {
    for (const path of changed) {
      if (!files.tracked.has(path)) return undefined;
      const stats = lstatSync(join(this.root, path), { throwIfNoEntry: false });
      if (stats && !stats.isFile() && !stats.isSymbolicLink()) return undefined;
    }
    const hashes = new Map(files.hashes);
    await this.hashInto(hashes, changed);
    const { ignored, ...kept } = files;
    return { ...kept, hashes, ...(ignored && !changedIgnored ? { ignored } : {}) };
  }

  /** An earlier read that still holds (`WorkTreeMemory`): nothing is asked of git or read. */
  private recalled(files: RememberedFiles, memory: { keep(files: RememberedFiles): void }): ReadonlyMap<string, string> {
    // Shared, not copied: neither this read nor the memory changes them (a full hit of 1,000 packages copied them per run).
    this.hashes = files.hashes;
    this.recalledTracked = files.tracked;
    this.inGit = files.inGit;
    if (files.ignored) this.ignoredEntries = Promise.resolve([...files.ignored]);
    else this.keepIgnored = (ignored) => memory.keep({ ...files, ignored });
    return this.hashes;
  }

  /**
   * Files git ignores that `include` globs (relative to `folder`, which is relative to the root)
   * match, path relative to the root → content id. `inputs` that name ignored files (generated
   * code, `.env` files) make them inputs, as in Turborepo. A name without wildcards is read as
   * named. For globs, one `git ls-files --ignored --directory` per run lists ignored files and
   * folders without entering them; only the ignored folders a glob's fixed base reaches are walked (`gen/**` walks `gen/`, `src/**` walks
   * nothing), and `node_modules` only when a glob names it (`node_modules/.prisma/**`), never for
   * `**`. Outside git every file is already in `all()`, so there are none.
   */
  async ignoredMatching(folder: string, include: readonly string[]): Promise<Map<string, string>> {
    await this.all();
    const found = new Map<string, string>();
    if (!this.inGit || include.length === 0) return found;
    const prefix = folder === '' || folder === '.' ? '' : `${folder}/`;
    const { matches, scanned } = this.compiled(include);
    const bases = scanned.filter((s) => s.isGlob).map((s) => s.base);
    // A glob without wildcards names one file: no walk, it is read if git does not list it.
    const candidates = scanned.filter((s) => !s.isGlob).map((s) => `${prefix}${s.base}`);
    const walkRoots = new Set<string>();
    // Names without wildcards (the global inputs, `.env`) need no listing: they are read as named.
    // Sorted once, so a package's entries are found by binary search, not a scan of them all.
    const listed = bases.length > 0 ? await this.ignoredListing() : [];
    for (const entry of withPrefix(listed, (e) => e, prefix)) {
      const rel = entry.slice(prefix.length);
      if (!rel.endsWith('/')) {
        if (matches(rel)) candidates.push(entry);
        continue;
      }
      const dir = rel.slice(0, -1);
      for (const base of bases) {
        const root = base === '' || dir === base || dir.startsWith(`${base}/`) ? dir : base.startsWith(`${dir}/`) ? base : undefined;
        if (root !== undefined && (!isNodeModules(root) || isNodeModules(base))) walkRoots.add(root);
      }
    }
    for (const root of walkRoots) {
      const files = await glob(['**'], { cwd: join(this.root, prefix + root), dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: ['**/node_modules/**'] });
      for (const file of files) if (matches(`${root}/${file}`)) candidates.push(`${prefix}${root}/${file}`);
    }
    const ignored = [...new Set(candidates)].filter((path) => !this.hashes!.has(path));
    const unread = ignored.filter((path) => !this.ignoredHashes.has(path));
    if (unread.length > 0) await this.hashInto(this.ignoredHashes, unread);
    for (const path of ignored) {
      const id = this.ignoredHashes.get(path);
      if (id !== undefined) found.set(path, id);
    }
    return found;
  }

  /**
   * Starts git's listing of ignored files now, beside its other reads of the repository, for a
   * run whose tasks' `inputs` have wildcards (they will ask `ignoredMatching` for it): waited
   * for after the index and status, it added one git process's latency to every run.
   */
  listIgnoredSoon(): void {
    void this.ignoredListing().catch(() => undefined);
  }

  /** Ignored files and folders, sorted (a package's entries are found by binary search), listed once. */
  private ignoredListing(): Promise<string[]> {
    // Reading starts first: a remembered read (`WorkTreeMemory`) hands its listing back at once.
    const reading = this.all().catch(() => undefined);
    return (this.ignoredEntries ??= this.listIgnored().then(async (entries) => {
      const sorted = entries.sort();
      await reading;
      this.keepIgnored?.(sorted);
      return sorted;
    }));
  }

  /** Globs compiled once per run: every package's tasks name the same `inputs`. */
  private compiled(include: readonly string[]): { matches: (path: string) => boolean; scanned: ReturnType<typeof picomatch.scan>[] } {
    const key = JSON.stringify(include);
    let found = this.globs.get(key);
    if (!found) {
      found = { matches: pathMatcher(include), scanned: include.map((g) => picomatch.scan(g)) };
      this.globs.set(key, found);
    }
    return found;
  }

  /** The symbolic links among the files (mode 120000) and where each leads, read once. */
  links(): Promise<ReadonlyMap<string, LinkTarget>> {
    return (this.linkMap ??= this.all().then((hashes) => linkTargets(this.root, [...hashes].filter(([, id]) => contentIdMode(id) === '120000').map(([path]) => path))));
  }

  /**
   * What a task reads through a link among its inputs: the target file, or every file under a
   * target folder (links among those followed in turn), with content ids; or, for a target
   * outside the workspace, where it leads (not hashed: docs/caching.md). A target git ignores is
   * read when it is a file.
   */
  through(link: string): Promise<ThroughLink> {
    let found = this.reached.get(link);
    if (!found) {
      found = this.follow(link);
      this.reached.set(link, found);
    }
    return found;
  }

  private async follow(start: string): Promise<ThroughLink> {
    const hashes = await this.all();
    const links = await this.links();
    const result: ThroughLink = { files: new Map(), outside: new Map() };
    const queue = [start];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const link = queue.shift()!;
      if (seen.has(link)) continue;
      seen.add(link);
      const target = links.get(link);
      if (target?.kind === 'outside') result.outside.set(link, target.path);
      if (target?.kind !== 'inside') continue;
      const id = hashes.get(target.path);
      const under = target.path === '' ? [...hashes] : id !== undefined ? [[target.path, id] as const] : [...hashes].filter(([path]) => path.startsWith(`${target.path}/`));
      if (under.length === 0 && this.inGit && !target.path.startsWith(`${this.stateDir}/`)) {
        await this.hashInto(this.ignoredHashes, [target.path].filter((path) => !this.ignoredHashes.has(path)));
        const ignored = this.ignoredHashes.get(target.path);
        if (ignored !== undefined) under.push([target.path, ignored]);
      }
      for (const [path, content] of under) {
        result.files.set(path, content);
        if (contentIdMode(content) === '120000') queue.push(path);
      }
    }
    return result;
  }

  /** Ignored files and folders (`dir/`, not entered), relative to the root, without the state folder. */
  private async listIgnored(): Promise<string[]> {
    const { stdout } = await run('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z', '--', '.'], { cwd: this.root, maxBuffer: 512 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
    return stdout.split('\0').filter((entry) => entry !== '' && entry !== './' && entry !== `${this.stateDir}/` && !entry.startsWith(`${this.stateDir}/`));
  }

  private async fromGit(hashes: Map<string, string>): Promise<boolean> {
    let prefix: string;
    let listed: string;
    let status: string;
    try {
      [prefix, { stdout: listed }, { stdout: status }] = await Promise.all([
        atTopLevel(this.root) ? '' : run('git', ['rev-parse', '--show-prefix'], { cwd: this.root }).then(({ stdout }) => stdout),
        // `-v` tags each entry: `S` skip-worktree, a lower-case letter assume-unchanged.
        run('git', ['ls-files', '-s', '-v', '-z', '--', '.'], { cwd: this.root, maxBuffer: 512 * 1024 * 1024 }),
        // Without optional locks: git does not write back the index it refreshed (as editors' background
        // status does), so orch never holds `index.lock` against the user's git, and an index
        // rewritten only by the user lets the daemon bring its read up to date (`updated`).
        run('git', ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'], { cwd: this.root, maxBuffer: 512 * 1024 * 1024 }),
      ]);
    } catch {
      return false;
    }
    this.inGit = true;
    // `ls-files` paths are relative to the working directory (the root); `status` ones to the
    // top, so the root's own prefix is cut (never `path.relative`: a `\` is part of a name here).
    const rootPrefix = prefix.replace(/\n$/, '');
    const unwatched: string[] = [];
    const nested: string[] = [];
    /** Submodules → the commit the index records (`160000 <sha>`). */
    const gitlinks = new Map<string, string>();
    for (const entry of listed.split('\0')) {
      if (!entry) continue;
      const tab = entry.indexOf('\t');
      const [tag, mode, blob] = entry.slice(0, tab).split(' ');
      const path = entry.slice(tab + 1);
      if (mode === '160000') gitlinks.set(path, contentId(mode, blob!)); // a submodule: its checked-out files, below
      else hashes.set(path, contentId(mode!, blob!));
      this.trackedFiles.add(path);
      // Files git is told not to look at are read like dirty ones: git's view would hide an edit the task reads.
      if (tag === 'S' || (tag !== undefined && /^[a-z]$/.test(tag))) unwatched.push(path);
    }
    const dirty: string[] = [];
    for (const entry of status.split('\0')) {
      if (!entry) continue;
      const path = entry.slice(3).startsWith(rootPrefix) ? entry.slice(3 + rootPrefix.length) : entry.slice(3);
      if (entry.startsWith(' D') || entry.startsWith('D ')) hashes.delete(path);
      else if (path.startsWith(`${this.stateDir}/`) || gitlinks.has(path)) continue;
      // With --untracked-files=all only an untracked git repository is listed as a folder.
      else if (path.endsWith('/')) nested.push(path.slice(0, -1));
      else dirty.push(path);
    }
    await this.hashInto(hashes, dirty);
    await this.hashUnwatched(hashes, unwatched);
    await Promise.all([...gitlinks.keys(), ...nested].map((folder) => this.nestedInto(hashes, folder, gitlinks.get(folder))));
    return true;
  }

  /**
   * Skip-worktree and assume-unchanged files (`git update-index`), read and hashed: orch trusts
   * the file the task reads over git's flag. One a sparse checkout left out is not there: it
   * keeps the index's id.
   */
  private async hashUnwatched(hashes: Map<string, string>, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const read = new Map<string, string>();
    await this.hashInto(read, paths);
    for (const [path, id] of read) hashes.set(path, id);
  }

  /**
   * The files of a git repository inside this one (a submodule, or an untracked clone): its own
   * index and dirty files, as for this repository, so a dirty file or another checked-out commit
   * there changes the hash, as `git status` (and `orch affected`) report it. A submodule that is
   * not checked out (no `.git` in it) is hashed by `recorded`, the commit the index records.
   */
  private async nestedInto(hashes: Map<string, string>, folder: string, recorded?: string): Promise<void> {
    if (!existsSync(join(this.root, folder, '.git'))) {
      if (recorded !== undefined) hashes.set(folder, recorded);
      return;
    }
    const inner = new RepositoryFiles(join(this.root, folder), this.stateDir, this.engine);
    for (const [path, id] of await inner.all()) hashes.set(`${folder}/${path}`, id);
    for (const path of inner.tracked) this.trackedFiles.add(`${folder}/${path}`);
    this.readCount += inner.readCount;
  }

  private async hashInto(hashes: Map<string, string>, files: readonly string[]): Promise<void> {
    this.readCount += files.length;
    const absolute = files.map((file) => join(this.root, file));
    let ids: (string | undefined)[];
    if (this.engine && files.length > POOL_THRESHOLD) {
      const pool = await workerPool(this.engine, this.engine.config.workers);
      const threads = Math.max(1, pool.options.maxThreads ?? 1);
      const size = Math.ceil(absolute.length / threads);
      const chunks = Array.from({ length: Math.ceil(absolute.length / size) }, (_, i) => absolute.slice(i * size, (i + 1) * size));
      ids = (await Promise.all(chunks.map((chunk) => pool.run(chunk, { name: 'hashFiles' }) as Promise<(string | undefined)[]>))).flat();
    } else ids = await hashFilesHere(absolute);
    files.forEach((file, index) => {
      const id = ids[index];
      if (id === undefined) hashes.delete(file);
      else hashes.set(file, id);
    });
  }
}

/** What a link among a task's inputs leads to: files of the workspace (path → content id), and links that leave it (link → target). */
export interface ThroughLink {
  files: Map<string, string>;
  outside: Map<string, string>;
}

/**
 * Whether `root` is the top of its git work tree, known without asking git (a process costs
 * milliseconds of the run's main thread): it holds the repository (`.git/HEAD`) or a `.git` file
 * (a linked worktree, a submodule), and no environment variable or `core.worktree` moves the
 * work tree elsewhere. When unsure, git is asked (`git rev-parse --show-prefix`).
 */
function atTopLevel(root: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return false;
  try {
    if (statSync(join(root, '.git')).isFile()) return true;
    return !/^\s*worktree\s*=/im.test(readFileSync(join(root, '.git', 'config'), 'utf8')) && statSync(join(root, '.git', 'HEAD')).isFile();
  } catch {
    return false;
  }
}

function isNodeModules(path: string): boolean {
  return path === 'node_modules' || path.startsWith('node_modules/') || path.includes('/node_modules/') || path.endsWith('/node_modules');
}
