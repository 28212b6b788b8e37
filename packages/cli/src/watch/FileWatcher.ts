import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * Quiet time after the last file event before a burst is handed on: an editor's save (write,
 * rename, chmod) or a `git checkout` of many files is one burst, one cycle.
 */
export const DEBOUNCE_MS = 200;
/** A burst that never goes quiet (a process writing all the time) is still handed on this often. */
const MAX_WAIT_MS = 2_000;

/**
 * Watches the files under a root (chokidar) and hands on each burst of changes, debounced, as
 * the sorted `/`-separated paths relative to the root. `ignore` may be replaced (a reloaded
 * config declares other outputs); a path it ignores is neither watched nor reported.
 */
export class FileWatcher {
  ignore: (path: string) => boolean;
  /** Counts file events as they come (before debouncing): a survey that saw it move read a workspace in motion. */
  generation = 0;
  private watcher: FSWatcher | undefined;
  private readonly burst = new Set<string>();
  private quiet: NodeJS.Timeout | undefined;
  private cap: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: string,
    ignore: (path: string) => boolean,
    private readonly onBurst: (files: string[]) => void,
    private readonly onError: (error: Error) => void,
  ) {
    this.ignore = ignore;
  }

  /** Starts watching; resolves once the initial scan is done (later changes are reported). */
  start(): Promise<void> {
    const watcher = watch(this.root, { ignoreInitial: true, ignored: (path: string) => this.ignore(path) });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => this.record(path));
    watcher.on('error', (error) => this.onError(error as Error));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  /** The files of the burst being gathered (not handed on yet). */
  get pending(): string[] {
    return [...this.burst];
  }

  async close(): Promise<void> {
    clearTimeout(this.quiet);
    clearTimeout(this.cap);
    await this.watcher?.close();
  }

  private record(path: string): void {
    this.generation++;
    this.burst.add(relative(this.root, path).split(sep).join('/'));
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.flush(), DEBOUNCE_MS);
    this.cap ??= setTimeout(() => this.flush(), MAX_WAIT_MS);
  }

  private flush(): void {
    clearTimeout(this.quiet);
    clearTimeout(this.cap);
    this.cap = undefined;
    const files = [...this.burst].sort();
    this.burst.clear();
    if (files.length > 0) this.onBurst(files);
  }
}
