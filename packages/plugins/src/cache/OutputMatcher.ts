import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fdir } from 'fdir';
import picomatch from 'picomatch';
import { isInsideGitFolder } from './confinedPath.js';
import { pathMatcher } from './pathMatcher.js';

/**
 * A task's declared `outputs` (globs relative to its folder, `!` excludes), as the cache uses
 * them: what it stores, what a restore may delete and write. A glob whose fixed part is absolute
 * or climbs out of the folder (`/tmp/x/**`, `../x/**`) matches nothing and is listed in
 * `outside`. A glob without wildcards also covers the folder of that name (`dist` → `dist/**`),
 * as tinyglobby treats it. Matching is with dot files (`.cache/**` is written as such).
 */
export class OutputMatcher {
  /** Include globs that stay inside the folder. */
  readonly include: readonly string[];
  /** Include globs that could only match outside the folder: ignored, for a warning. */
  readonly outside: readonly string[];
  private readonly isMatch: (path: string) => boolean;

  private static readonly compiled = new Map<string, OutputMatcher>();
  private readonly crawlers = new Map<string, fdir>();

  /** The matcher of these globs, compiled once per process: a target's outputs are the same in every package. */
  static of(outputs: readonly string[]): OutputMatcher {
    const key = JSON.stringify(outputs);
    let matcher = OutputMatcher.compiled.get(key);
    if (!matcher) {
      matcher = new OutputMatcher(outputs);
      OutputMatcher.compiled.set(key, matcher);
    }
    return matcher;
  }

  constructor(outputs: readonly string[]) {
    const include: string[] = [];
    const outside: string[] = [];
    const exclude: string[] = [];
    for (const glob of outputs) {
      if (glob.startsWith('!')) exclude.push(...expand(strip(glob.slice(1))));
      else if (escapes(strip(glob))) outside.push(glob);
      else include.push(strip(glob));
    }
    this.include = include;
    this.outside = outside;
    this.bases = [...new Set(include.map((glob) => picomatch.scan(glob).base))];
    const matcher = include.length > 0 ? pathMatcher(include.flatMap(expand), exclude.length > 0 ? { ignore: exclude } : {}) : () => false;
    this.isMatch = (path) => matcher(path);
  }

  /** The fixed part of each include glob (`dist` for `dist/**`, `''` for `*.tgz`), without repeats. */
  readonly bases: readonly string[];

  /** Whether a `/`-separated path relative to the folder is one of the outputs. */
  matches(path: string): boolean {
    return this.isMatch(path);
  }

  /** The include globs that match none of `paths` (for "output 'x' matched no file"). */
  unmatched(paths: readonly string[]): string[] {
    return this.include.filter((glob) => {
      const matches = pathMatcher(expand(glob));
      return !paths.some((path) => matches(path) && this.isMatch(path));
    });
  }

  /**
   * Every output under `folder` (absolute, resolved by realpath) now: regular files and symbolic links (a link is listed, never
   * followed, so a link to a folder is one output and nothing behind it is). `.git` folders and
   * the folders in `skip` (absolute paths, e.g. the cache itself) are never entered. Sorted.
   */
  async find(folder: string, skip: readonly string[] = []): Promise<string[]> {
    const { found, crawls } = this.plan(folder, skip);
    for (const { crawler, start, prefix } of crawls) for (const path of await crawler.crawl(start).withPromise()) if (!isFolder(path)) found.add(prefix + path.split(sep).join('/'));
    return [...found].sort();
  }

  /** `find`, read synchronously: for a cache hit's look at outputs that are usually few (no round trips through the thread pool). */
  findNow(folder: string, skip: readonly string[] = []): string[] {
    return this.listNow(folder, skip).files;
  }

  /**
   * `findNow`, with the folders the listing entered (relative to `folder`, `/`-separated,
   * sorted; each glob's fixed part among them): a folder's entries change only with its
   * modification and change times, which an outputs' fingerprint keeps (outputsFingerprint.ts).
   * `folders` is undefined when the files alone do not tell what a new listing would find: a
   * glob's fixed part that is absent, behind a symbolic link, skipped, or more than one name deep.
   */
  listNow(folder: string, skip: readonly string[] = []): { files: string[]; folders: string[] | undefined } {
    const { found, crawls, whole } = this.plan(folder, skip);
    const folders: string[] = [];
    for (const { crawler, start, prefix } of crawls) {
      for (const path of crawler.crawl(start).sync()) {
        if (!isFolder(path)) found.add(prefix + path.split(sep).join('/'));
        else if (whole) folders.push(path === '.' ? prefix.slice(0, -1) : prefix + path.slice(0, -1).split(sep).join('/'));
      }
    }
    return { files: [...found].sort(), folders: whole ? folders.sort() : undefined };
  }

  /**
   * The crawler of a glob's fixed part, made once per skip list: a hit looks at every task's
   * outputs with the same globs and the same folders to skip, and a crawler is reusable.
   */
  private crawler(base: string, skip: readonly string[], skipped: ReadonlySet<string>): fdir {
    const key = `${base}\0${skip.join('\0')}`;
    let crawler = this.crawlers.get(key);
    if (!crawler) {
      const prefix = base === '' ? '' : `${base}/`;
      // Folders are listed too (for `listNow`), ending with the separator (the start as `.`).
      crawler = new fdir()
        .withRelativePaths()
        .withDirs()
        .exclude((name, path) => name === '.git' || skipped.has(path))
        .filter((path, isDirectory) => isDirectory || this.matches(prefix + path.split(sep).join('/')));
      this.crawlers.set(key, crawler);
    }
    return crawler;
  }

  /**
   * The outputs that are single files at a glob's fixed part, and the folders to crawl for the
   * rest; `whole` when every fixed part is one name (or none) and is a file or a folder crawled.
   */
  private plan(folder: string, skip: readonly string[]): { found: Set<string>; crawls: { crawler: fdir; start: string; prefix: string }[]; whole: boolean } {
    const found = new Set<string>();
    const crawls: { crawler: fdir; start: string; prefix: string }[] = [];
    const skipped = new Set(skip.map((dir) => `${normalize(dir)}${sep}`));
    let whole = true;
    for (const base of this.bases) {
      const start = join(folder, base);
      if (base.includes('/')) {
        whole = false;
        // A symbolic link on the way to the glob's folder is never followed (`folder` itself is resolved already).
        if (realFolder(dirname(start)) !== dirname(start)) continue;
      }
      const info = lstatSync(start, { throwIfNoEntry: false });
      if (!info) {
        whole = false;
        continue;
      }
      if (!info.isDirectory()) {
        if (this.matches(base)) found.add(base);
        continue;
      }
      if (isInsideGitFolder(base) || skipped.has(`${start}${sep}`)) {
        whole = false;
        continue;
      }
      crawls.push({ crawler: this.crawler(base, skip, skipped), start, prefix: base === '' ? '' : `${base}/` });
    }
    return { found, crawls, whole };
  }
}

/** A folder resolved by realpath (one system call), or undefined when it cannot be. */
function realFolder(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

/** A folder in an fdir listing with folders: `.` (where it started) or a path ending with the separator. */
function isFolder(path: string): boolean {
  return path === '.' || path.endsWith(sep);
}

function strip(glob: string): string {
  return glob.startsWith('./') ? glob.slice(2) : glob;
}

function expand(glob: string): string[] {
  return picomatch.scan(glob).isGlob ? [glob] : [glob, `${glob.replace(/\/+$/, '')}/**`];
}

/** The fixed part of a glob is absolute or leaves the folder. */
function escapes(glob: string): boolean {
  const base = picomatch.scan(glob).base;
  return glob.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(glob) || base.split('/').includes('..') || glob.split('/').includes('..');
}
