import { closeSync, fdatasync, fstatSync, openSync, readFileSync, readSync, statSync, truncateSync, write, writeSync } from 'node:fs';
import { OrchError } from '@orch/engine';

/** An event as stored: the engine's event with the time it was recorded (ms since the epoch). */
export type LoggedEvent = { t: number; type: string } & Record<string, unknown>;

export interface ReadLog {
  events: LoggedEvent[];
  /** Bytes of whole lines read; a torn tail starts here. */
  validBytes: number;
  /** A last line without its newline (the process died while writing it): ignored. */
  torn: boolean;
  /** Lines in the middle that are not JSON (never written by orch): skipped, with their numbers. */
  corruptLines: number[];
}

/**
 * The append-only event log of a session (`events.jsonl`), with group commit: `append` queues a
 * line, `flush` writes everything queued in one `write` (and, unless told it need not be
 * durable, one `fdatasync`), and callers that flush while a write is in flight share the next
 * one. A flush without sync leaves the lines in the page cache: they survive orch being killed,
 * and the next synced flush makes them durable with the rest. A failed write (full disk) fails
 * every later flush with the same error: nothing is written after a gap.
 */
export class SessionLog {
  private readonly fd: number;
  private queued: string[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;
  /** Whether the next write must be synced (a caller of the shared flush asked for it). */
  private nextSync = false;
  /** A write without fdatasync started since the last synced one started. */
  private unsynced = false;
  private failure: OrchError | undefined;

  constructor(
    readonly path: string,
    private readonly options: { fsync: boolean },
  ) {
    this.fd = openSync(path, 'a');
  }

  append(event: object): void {
    if (this.failure) return;
    this.queued.push(`${JSON.stringify({ t: Date.now(), ...event })}\n`);
  }

  /**
   * Writes one event at once, synchronously, ahead of what is queued: for a record that must be
   * on file before anything else can happen (a process just started, which a `kill -9` of orch
   * would otherwise leave unrecorded). Without fdatasync: the processes it records do not
   * outlive the machine. The event must not depend on its order among queued ones. A failure
   * fails the next flush, as a failed write does.
   */
  appendNow(event: object): void {
    if (this.failure) return;
    const data = Buffer.from(`${JSON.stringify({ t: Date.now(), ...event })}\n`);
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
    } catch (error) {
      this.failure = stateWriteError(this.path, error);
    }
  }

  /**
   * Resolves when everything appended so far is written, and durable unless `sync` is false
   * (what it records can be redone at no cost: a cache hit).
   */
  flush(options: { sync?: boolean } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const sync = options.sync !== false && this.options.fsync;
    if (this.queued.length === 0 && !(sync && this.unsynced)) return this.next ?? this.inFlight;
    if (sync) this.nextSync = true;
    this.next ??= this.inFlight.then(() => {
      this.next = undefined;
      const data = Buffer.from(this.queued.join(''));
      const synced = this.nextSync;
      this.queued = [];
      this.nextSync = false;
      // A synced write's fdatasync covers every write before it, the writes being in sequence.
      this.unsynced = !synced && (this.unsynced || data.length > 0);
      this.inFlight = this.writeAll(data, synced);
      return this.inFlight;
    });
    return this.next;
  }

  private async writeAll(data: Buffer, sync: boolean): Promise<void> {
    try {
      let offset = 0;
      while (offset < data.length) offset += await new Promise<number>((resolve, reject) => write(this.fd, data, offset, data.length - offset, null, (error, n) => (error ? reject(error) : resolve(n))));
      if (sync) await new Promise<void>((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.failure = stateWriteError(this.path, error);
      throw this.failure;
    }
  }

  /** True when a write failed: nothing more is written (the failure was reported to the flusher). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    closeSync(this.fd);
  }
}

/** The error for state orch could not write, naming the file and the cause. */
export function stateWriteError(path: string, error: unknown): OrchError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'no space left on device' : code === 'EROFS' ? 'read-only file system' : code === 'EDQUOT' ? 'disk quota exceeded' : (error as Error).message;
  return new OrchError('state-write-failed', `cannot write ${path}: ${why}${code ? ` (${code})` : ''}; the run was stopped so its state stays consistent`, {
    hint: 'free some space (or fix the folder), then `orch resume` continues where the log ends',
    cause: error,
  });
}

/** Reads a log from `offset`: whole lines only; a torn last line is reported, not returned. */
export function readLog(path: string, offset = 0): ReadLog {
  let text: Buffer;
  try {
    // Only a regular file is a log (a device such as /dev/full would read forever).
    if (!statSync(path).isFile()) return { events: [], validBytes: 0, torn: false, corruptLines: [] };
    text = readFileSync(path);
  } catch {
    return { events: [], validBytes: 0, torn: false, corruptLines: [] };
  }
  const events: LoggedEvent[] = [];
  const corruptLines: number[] = [];
  let position = offset;
  let line = 0;
  while (position < text.length) {
    const end = text.indexOf(10, position);
    if (end < 0) return { events, validBytes: position, torn: true, corruptLines };
    line++;
    try {
      events.push(JSON.parse(text.subarray(position, end).toString('utf8')) as LoggedEvent);
    } catch {
      corruptLines.push(line);
    }
    position = end + 1;
  }
  return { events, validBytes: position, torn: false, corruptLines };
}

/**
 * The log's first event, reading only its first line (a bounded read: a long session's log is
 * megabytes): what orders sessions started in the same second. Undefined when the log is missing,
 * not a regular file, or has no whole line yet. A first line that is not JSON (never written by
 * orch) falls back to the whole log, whose first valid event `readLog` gives.
 */
export function readFirstEvent(path: string): LoggedEvent | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  let line: Buffer | undefined;
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    line = readFirstLine(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  if (!line) return undefined;
  try {
    return JSON.parse(line.toString('utf8')) as LoggedEvent;
  } catch {
    return readLog(path).events[0];
  }
}

const FIRST_LINE_CHUNK = 4096;

/** The bytes before the first newline, read a chunk at a time; undefined when there is no newline. */
function readFirstLine(fd: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  for (let position = 0; ; ) {
    const chunk = Buffer.allocUnsafe(FIRST_LINE_CHUNK);
    const n = readSync(fd, chunk, 0, FIRST_LINE_CHUNK, position);
    if (n === 0) return undefined;
    const end = chunk.subarray(0, n).indexOf(10);
    if (end >= 0) {
      chunks.push(chunk.subarray(0, end));
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    }
    chunks.push(chunk.subarray(0, n));
    position += n;
  }
}

/** Cuts a torn tail off before new lines are appended (so they do not join the fragment). */
export function cutTornTail(path: string, validBytes: number): void {
  truncateSync(path, validBytes);
}
