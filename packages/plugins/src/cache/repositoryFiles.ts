import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Engine } from '@orch/engine';
import { glob } from 'tinyglobby';
import { workerPool } from '../executors/NodeExecutorPlugin.js';
import { hashFilesHere } from './gitBlobHash.js';

const run = promisify(execFile);

/** Above this many files to read, hashing goes to the worker pool. */
const POOL_THRESHOLD = 64;

/**
 * Content ids of the repository's files, relative to the workspace root, read once per run:
 * clean tracked files from git's index (`git ls-files -s`: no file is read), dirty and untracked
 * (not ignored) files read and hashed, in the worker pool when there are many. Outside git,
 * every file not under node_modules, .git or the state folder is read.
 */
export class RepositoryFiles {
  private hashes: Map<string, string> | undefined;
  /** How many files had to be read (dirty, untracked, or no git). */
  readCount = 0;
  inGit = false;

  constructor(
    private readonly root: string,
    private readonly stateDir: string,
    private readonly engine?: Engine,
  ) {}

  /** Path (relative to the root, `/`-separated) → content id. */
  async all(): Promise<ReadonlyMap<string, string>> {
    if (this.hashes) return this.hashes;
    const hashes = new Map<string, string>();
    const git = await this.fromGit(hashes);
    if (!git) {
      const files = await glob(['**/*'], { cwd: this.root, dot: true, ignore: ['**/node_modules/**', '**/.git/**', `${this.stateDir}/**`] });
      await this.hashInto(hashes, files);
    }
    this.hashes = hashes;
    return hashes;
  }

  private async fromGit(hashes: Map<string, string>): Promise<boolean> {
    let top: string;
    let listed: string;
    let status: string;
    try {
      [{ stdout: top }, { stdout: listed }, { stdout: status }] = await Promise.all([
        run('git', ['rev-parse', '--show-toplevel'], { cwd: this.root }),
        run('git', ['ls-files', '-s', '-z', '--', '.'], { cwd: this.root, maxBuffer: 512 * 1024 * 1024 }),
        run('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'], { cwd: this.root, maxBuffer: 512 * 1024 * 1024 }),
      ]);
    } catch {
      return false;
    }
    this.inGit = true;
    const toplevel = top.trim();
    // `ls-files` paths are relative to the working directory (the root); `status` ones to the top.
    for (const entry of listed.split('\0')) {
      if (!entry) continue;
      const tab = entry.indexOf('\t');
      const [mode, blob] = entry.slice(0, tab).split(' ');
      if (mode === '160000') continue; // a submodule: its commit, not a file
      hashes.set(entry.slice(tab + 1), blob!);
    }
    const dirty: string[] = [];
    for (const entry of status.split('\0')) {
      if (!entry) continue;
      const path = relative(this.root, join(toplevel, entry.slice(3))).split('\\').join('/');
      if (entry.startsWith(' D') || entry.startsWith('D ')) hashes.delete(path);
      else if (!path.startsWith(`${this.stateDir}/`)) dirty.push(path);
    }
    await this.hashInto(hashes, dirty);
    return true;
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
