import { closeSync, copyFileSync, mkdirSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputChunk, TaskLogFiles, TaskOutputLog } from '../pipeline/TaskContext.js';
import { ErrorExcerpt, type FirstError } from './ErrorExcerpt.js';
import { OutputTail, type OutputStream, type TailLine } from './OutputTail.js';
import { readLines } from './readLines.js';
import { readTaskLog } from './readTaskLog.js';

/**
 * The files of a task's log in a run's log folder: `<task id, URI-encoded>.log` and `.streams`
 * (`web#build` → `web%23build.log`), as completion markers name theirs.
 */
export function taskLogFiles(dir: string, id: string): TaskLogFiles {
  const base = join(dir, encodeURIComponent(id));
  return { log: `${base}.log`, streams: `${base}.streams` };
}

/**
 * A task's output as it arrives (issue 11, part 13): the bytes go to the log file, in order and
 * unchanged (colours kept; `cat` shows what the terminal showed), each change of stream is a line
 * `<byte offset> <stdout|stderr>` in the `.streams` index, and only a bounded tail stays in
 * memory. Writes are synchronous, so nothing queues in memory and the file is whole whenever a
 * later stage reads it; the files are created on the first write (a silent task has none). A
 * write that fails (a full disk) stops writing, is reported once through `onError`, and marks the
 * log incomplete, so it is never cached; the tail still works.
 */
export class TaskLog implements TaskOutputLog {
  private fds: { log: number; streams: number } | undefined;
  private opened = false;
  /** Log files written before (a cache entry's) that this log is, while what is written repeats them. */
  private adopted: { files: TaskLogFiles; bytes: number; seen: number } | undefined;
  private stream: OutputStream | undefined;
  private written = 0;
  private failure: Error | undefined;
  private readonly last = new OutputTail();
  private readonly error = new ErrorExcerpt();

  constructor(
    private readonly paths: TaskLogFiles,
    private readonly onError: (error: Error) => void,
  ) {}

  get files(): TaskLogFiles | undefined {
    return this.adopted ? this.adopted.files : this.opened ? this.paths : undefined;
  }

  get bytes(): number {
    return this.adopted ? this.adopted.bytes : this.written;
  }

  /**
   * Makes `files` (a cache entry's log, `bytes` long) this task's log, for a hit that replays
   * it: the replay's writes only feed the tail, so a hit copies nothing into the run's log
   * folder (issue 13). Output past those bytes (a saga's compensation) starts the task's own
   * files with a copy of them, then goes on as any write.
   */
  adopt(files: TaskLogFiles, bytes: number): void {
    if (this.opened || bytes === 0) return;
    this.adopted = { files, bytes, seen: 0 };
  }

  get complete(): boolean {
    return this.failure === undefined;
  }

  write(stream: OutputStream, text: string): void {
    if (text === '') return;
    this.last.push(stream, text);
    this.error.push(stream, text);
    if (this.failure) return;
    if (this.adopted && this.adopted.seen < this.adopted.bytes) {
      this.adopted.seen += Buffer.byteLength(text, 'utf8');
      this.stream = stream;
      return;
    }
    try {
      if (this.adopted) this.takeOver(this.adopted);
      const fds = this.open();
      if (stream !== this.stream) {
        writeAll(fds.streams, Buffer.from(`${this.written} ${stream}\n`));
        this.stream = stream;
      }
      const data = Buffer.from(text, 'utf8');
      writeAll(fds.log, data);
      this.written += data.length;
    } catch (error) {
      this.failure = error as Error;
      this.close();
      this.onError(this.failure);
    }
  }

  tail(): string[] {
    return this.last.snapshot();
  }

  tailAt(): TailLine[] {
    return this.last.numbered().map(({ line, blanksBefore }) => ({ line, blanksBefore }));
  }

  firstError(): FirstError | undefined {
    return this.error.snapshot();
  }

  chunks(): AsyncIterable<OutputChunk> {
    const files = this.files;
    return files ? readTaskLog(files, this.bytes) : empty();
  }

  lines(): AsyncIterable<string> {
    const files = this.files;
    return files ? readLines(files.log, { end: this.bytes }) : empty();
  }

  /** The task's own files begin as a copy of the adopted ones. */
  private takeOver(adopted: { files: TaskLogFiles; bytes: number }): void {
    this.adopted = undefined;
    mkdirSync(dirname(this.paths.log), { recursive: true });
    copyFileSync(adopted.files.log, this.paths.log);
    truncateSync(this.paths.log, adopted.bytes);
    copyFileSync(adopted.files.streams, this.paths.streams);
    this.opened = true;
    this.written = adopted.bytes;
  }

  /**
   * Closes the files; a later write (a saga's compensation) appends again. `stale`: files left by
   * an earlier run of the session are removed when this run printed nothing.
   */
  close(options: { stale?: boolean } = {}): void {
    if (this.fds) {
      closeSync(this.fds.log);
      closeSync(this.fds.streams);
      this.fds = undefined;
    } else if (!this.opened && options.stale) {
      rmSync(this.paths.log, { force: true });
      rmSync(this.paths.streams, { force: true });
    }
  }

  private open(): { log: number; streams: number } {
    if (this.fds) return this.fds;
    // The first open truncates what an earlier run of the same session left.
    const flags = this.opened ? 'a' : 'w';
    if (!this.opened) mkdirSync(dirname(this.paths.log), { recursive: true });
    const log = openSync(this.paths.log, flags);
    try {
      this.fds = { log, streams: openSync(this.paths.streams, flags) };
    } catch (error) {
      closeSync(log);
      throw error;
    }
    this.opened = true;
    return this.fds;
  }
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

async function* empty<T>(): AsyncGenerator<T> {}
