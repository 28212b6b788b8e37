import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { findDaemonSocket } from './daemonSocket.js';
import { lineReader, type DaemonFrame, type DaemonRequest, type ProgramStamp, type StreamShape } from './daemonProtocol.js';

/** What became of asking the daemon: it ran the invocation (`served`: its exit code), or orch runs it here, and why. */
export type DaemonOutcome = { served: number } | { local: 'off' | 'none' | 'unreachable' | 'timeout' } | { local: 'declined'; stopping: boolean };

/** How long a daemon may take to admit or decline an invocation before orch runs it itself. */
const ADMIT_TIMEOUT_MS = 10_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

/**
 * Whether this invocation may use the daemon (docs/daemon.md): not with `--no-daemon` (before
 * `--`), `ORCH_DAEMON=0` (or false, no, off), or under CI (`CI` set, as Turborepo) unless
 * `ORCH_DAEMON=1` (or true, yes, on); never on Windows (no Unix sockets there). Another value
 * is said on stderr, and the default taken.
 */
export function daemonWanted(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'win32') return false;
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).includes('--no-daemon')) return false;
  const setting = env.ORCH_DAEMON?.trim().toLowerCase();
  if (setting !== undefined && setting !== '') {
    if (OFF.includes(setting)) return false;
    if (ON.includes(setting)) return true;
    process.stderr.write(`orch: ORCH_DAEMON=${env.ORCH_DAEMON} is neither on (${ON.join(', ')}) nor off (${OFF.join(', ')}): the default is used (off under CI)\n`);
  }
  return !env.CI || env.CI === 'false' || env.CI === '0';
}

/** The folder the invocation runs in: `--cwd`'s (before `--`), else the process's. */
export function invocationFolder(argv: readonly string[], cwd: string): string {
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--cwd=')) return resolve(cwd, arg.slice(6));
    if (arg === '--cwd' && argv[i + 1] !== undefined) return resolve(cwd, argv[i + 1]!);
  }
  return cwd;
}

/**
 * Asks the daemon serving this folder to run the invocation, streaming its output here; Ctrl-C
 * and terminal resizes are passed on. Until the daemon admits the invocation nothing has been
 * done, so a daemon that declines, is gone, or does not answer leaves it to this process.
 * `mayRunHere` is called when the daemon says it may decline (a run after files changed): what
 * running it here takes can be loaded while the daemon decides.
 */
export async function runThroughDaemon(argv: string[], program: string, mayRunHere: () => void = () => {}): Promise<DaemonOutcome> {
  if (!daemonWanted(argv, process.env)) return { local: 'off' };
  const socketPath = findDaemonSocket(invocationFolder(argv, process.cwd()));
  if (!socketPath) return { local: 'none' };
  let stamp: ProgramStamp;
  try {
    const { size, mtimeMs, ino } = statSync(program);
    stamp = { path: program, size, mtimeMs, ino };
  } catch {
    return { local: 'off' };
  }
  const request: DaemonRequest = { type: 'invoke', argv, cwd: process.cwd(), env: { ...process.env } as Record<string, string>, umask: process.umask(), program: stamp, stdout: shape(process.stdout), stderr: shape(process.stderr) };
  return new Promise<DaemonOutcome>((settle) => {
    const socket = connect(socketPath);
    let admitted = false;
    let done = false;
    const finish = (outcome: DaemonOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const signal of STOP_SIGNALS) process.off(signal, forward);
      process.stdout.off('resize', resize);
      process.stderr.off('resize', resize);
      socket.destroy();
      settle(outcome);
    };
    const timer = setTimeout(() => finish({ local: 'timeout' }), ADMIT_TIMEOUT_MS);
    const forward = (signal: NodeJS.Signals): void => void socket.write(`${JSON.stringify({ signal })}\n`);
    const resize = (): void => void socket.write(`${JSON.stringify({ resize: { stdout: process.stdout.columns, stderr: process.stderr.columns } })}\n`);
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    // The connection ended before the exit code: only then is the daemon lost (its close after the
    // exit code comes while a slow reader still drains the output, and says nothing).
    const lost = (): void => {
      if (!done) finish(admitted ? { served: lostDaemon() } : { local: 'unreachable' });
    };
    socket.on('error', lost);
    socket.on('close', lost);
    // A stream whose reader has gone (`| head`: EPIPE) takes no more: its text is dropped, and
    // the daemon told of stdout's, as orch alone hears of it (`outputClosed`).
    const gone = new Set<NodeJS.WriteStream>();
    for (const stream of [process.stdout, process.stderr]) {
      stream.once('error', () => {
        gone.add(stream);
        socket.resume();
        if (stream === process.stdout && !socket.destroyed) socket.write(`${JSON.stringify({ closed: 'stdout' })}\n`);
      });
    }
    const full = new Set<NodeJS.WriteStream>();
    const write = (stream: NodeJS.WriteStream, text: string): void => {
      if (gone.has(stream) || stream.write(text) || full.has(stream)) return;
      // Held while the terminal or pipe is full: once per stream, however many frames the chunk still holds.
      full.add(stream);
      socket.pause();
      const go = (): void => {
        stream.off('drain', go);
        stream.off('error', go);
        full.delete(stream);
        if (full.size === 0) socket.resume();
      };
      stream.once('drain', go);
      stream.once('error', go);
    };
    const read = lineReader((value) => {
      const frame = value as DaemonFrame;
      if ('o' in frame) write(process.stdout, frame.o);
      else if ('e' in frame) write(process.stderr, frame.e);
      else if ('a' in frame) {
        admitted = true;
        clearTimeout(timer);
        for (const signal of STOP_SIGNALS) process.on(signal, forward);
        process.stdout.on('resize', resize);
        process.stderr.on('resize', resize);
      } else if ('x' in frame) finish({ served: frame.x });
      else if ('d' in frame) finish({ local: 'declined', stopping: frame.stopping === true });
      else if ('p' in frame) mayRunHere();
    });
    socket.on('data', (chunk) => {
      try {
        read(chunk);
      } catch {
        // Not our daemon's JSON: whatever listens there is not to be trusted with the invocation.
        lost();
      }
    });
  });
}

function shape(stream: NodeJS.WriteStream): StreamShape {
  return stream.isTTY ? { tty: true, ...(stream.columns ? { columns: stream.columns } : {}) } : { tty: false };
}

/** The daemon went away mid-invocation (killed): said, exit 70, as any internal error. */
function lostDaemon(): number {
  process.stderr.write('orch: the daemon stopped while it ran this command (its log: daemon.log in orch\'s state folder, .orch by default); run it again, or with --no-daemon\n');
  return 70;
}
