/**
 * What `orch` and its daemon say to each other over the daemon's Unix socket: one JSON object a
 * line. The client sends a request, then signals and resizes; the daemon answers with frames.
 */

/** A terminal stream as the client's process has it: the daemon's stand-in reports the same. */
export interface StreamShape {
  tty: boolean;
  columns?: number;
  /** `getColorDepth()` of a TTY (1, 4, 8 or 24). */
  colorDepth?: number;
}

/** The orch program that asks: a daemon serves only the very build it runs itself. */
export interface ProgramStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export type DaemonRequest =
  | { type: 'invoke'; argv: string[]; cwd: string; env: Record<string, string>; umask: number; program: ProgramStamp; stdout: StreamShape; stderr: StreamShape }
  | { type: 'status' }
  | { type: 'stop' };

/** After an `invoke`: the client's stop signals (Ctrl-C), terminal resizes, and its stdout's reader gone (`| head`). */
export type ClientMessage = { signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT' } | { resize: { stdout?: number; stderr?: number } } | { closed: 'stdout' };

/** What the daemon tells one client, as it knows it. */
export interface DaemonStatus {
  pid: number;
  root: string;
  version: string;
  startedAt: string;
  served: number;
  declined: number;
  idleTimeoutMs: number;
  log: string;
  memoryMb: number;
  /** Whether it watches the work tree, and how many reads of the repository it answered from what it kept. */
  /** `readsKept`: reads of the repository git was not asked for; `readsUpdated`: of those, kept ones brought up to date where tracked files changed. */
  workTree: { watched: boolean; readsKept: number; readsUpdated: number };
}

/**
 * The daemon's frames: `a` admitted (the daemon runs the invocation: no fallback from here on),
 * `o`/`e` text for stdout/stderr, `x` the exit code (last), `d` declined with a reason (the
 * client runs it itself; nothing was done; `stopping`: the daemon ends, a new one may start), `s` the status.
 */
/**
 * What the daemon says: `a` admitted, `o`/`e` output, `x` exit code, `d` declined, `s` status,
 * and `p`: a run that files changed since the invocation before may make the daemon decline
 * (the client may start loading what running it itself takes, meanwhile).
 */
export type DaemonFrame = { a: 1 } | { o: string } | { e: string } | { x: number } | { d: string; stopping?: true } | { s: DaemonStatus } | { p: 1 };

/** Reads newline-delimited JSON from a stream of chunks, calling `each` per object. */
export function lineReader(each: (value: unknown) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line !== '') each(JSON.parse(line));
    }
  };
}
