import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { CliIO } from '../CliCommand.js';
import type { SessionRunOptions } from '../runSession.js';
import { main } from '../main.js';
import type { ClientMessage, DaemonFrame, DaemonRequest } from './daemonProtocol.js';
import { fullCacheHit, type FullHitVerdict } from './fullCacheHit.js';
import { enterInvocation } from './invocationContext.js';
import { reportErrorModule } from '../lazyModules.js';
import { terminalText } from '@orch/engine';

type Invoke = Extract<DaemonRequest, { type: 'invoke' }>;

/** How an invocation the daemon took on ended: `declined` (left to the client: nothing was done), or served with an exit code. */
export type InvocationResult = ({ declined: true } | { declined: false; code: number }) & {
  /** When the invocation was admitted, and how long the full-hit check took, in ms from its start. */
  admittedAtMs?: number;
  /** When the client had its exit code, in ms from the start (work for after the reply came next). */
  repliedAtMs?: number;
  checkMs?: number;
  /** The daemon's CPU time (user and system, all its threads, ms) until the client had its exit code. */
  cpuMs?: number;
  /** What the full-hit check found, for a run. */
  verdict?: FullHitVerdict;
};

/**
 * Runs one invocation for a client as `orch` would in its own process (`enterInvocation`),
 * streaming its output over the socket. Output is held until the invocation is admitted: a run
 * when its every task is a cache hit (`fullCacheHit`: then `{a:1}` is sent, and what it said so
 * far), any other command when it ends. A run that is not a full hit is declined: what it said
 * is dropped, the client runs it itself. The client's stop signals reach the run as the
 * process's own signals would; a client that goes away is a closed terminal (SIGHUP).
 * `daemon.warnings` carries the failures of work done after a reply (`CliIO.afterReply`) to the
 * next invocation's client, which is shown them first.
 */
export async function serveInvocation(request: Invoke, socket: Socket, messages: { on(listener: (message: ClientMessage) => void): void }, daemon: { program: string; root: string; changedPaths?: ReadonlySet<string> | undefined; mayDecline?: boolean; say?: (line: string) => void; warnings?: string[] }): Promise<InvocationResult> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  // Said at once, ahead of what is held: the client loads what running it itself takes meanwhile.
  if (daemon.mayDecline && !socket.destroyed) socket.write(`${JSON.stringify({ p: 1 } satisfies DaemonFrame)}\n`);
  // What went wrong after the reply to an invocation before: its client was gone, this one is told.
  const earlier = daemon.warnings?.splice(0) ?? [];
  if (earlier.length > 0 && !socket.destroyed) socket.write(earlier.map((text) => `${JSON.stringify({ e: text } satisfies DaemonFrame)}\n`).join(''));
  const timing: Pick<InvocationResult, 'admittedAtMs' | 'checkMs' | 'verdict' | 'repliedAtMs' | 'cpuMs'> = {};
  const held: DaemonFrame[] = [];
  let admitted = false;
  let declined = false;
  // Frames written in one turn of the event loop go out in one write (a hit's replay is hundreds of small ones).
  let batch: string[] = [];
  const flush = (): void => {
    if (batch.length > 0 && !socket.destroyed) socket.write(batch.join(''));
    batch = [];
  };
  const send = (frame: DaemonFrame): void => {
    if (!admitted) held.push(frame);
    else if (batch.push(`${JSON.stringify(frame)}\n`) === 1) setImmediate(flush);
  };
  const admit = (): void => {
    if (admitted) return;
    admitted = true;
    send({ a: 1 });
    for (const frame of held.splice(0)) send(frame);
  };
  const outputClosed = new AbortController();
  // Work handed over for after the reply (`CliIO.afterReply`): done once the client has its exit code.
  const later: (() => Promise<readonly Error[]>)[] = [];
  stuck = (text) => {
    // On a thread a config holds in a loop: nothing asynchronous runs again, so straight to the socket's descriptor.
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (fd === undefined || fd < 0) return;
    try {
      writeSync(fd, `${JSON.stringify({ e: text })}\n${JSON.stringify({ x: 2 })}\n`);
    } catch {
      // The client is gone.
    }
  };
  failing = async (error, event) => {
    const [{ strayConfigError }, { reportError }] = await Promise.all([import('@orch/engine'), reportErrorModule()]);
    const configError = strayConfigError(event, error);
    admit();
    let code = 70;
    if (configError) code = reportError(configError, io);
    else send({ e: `orch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` });
    send({ x: code });
    flush();
    await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.end(resolve)));
  };
  const context = enterInvocation({ argv: request.argv, program: daemon.program, home: daemon.root, env: request.env, cwd: request.cwd, umask: request.umask, stdout: request.stdout, stderr: request.stderr, write: (stream, text) => send(stream === 'o' ? { o: text } : { e: text }) });
  const signal = (name: NodeJS.Signals): void => {
    if (admitted) emitSignal(name);
  };
  messages.on((message) => {
    if ('signal' in message) signal(message.signal);
    else if ('closed' in message) outputClosed.abort();
    else context.resize(message.resize);
  });
  socket.once('close', () => {
    outputClosed.abort();
    signal('SIGHUP');
  });
  const io: CliIO = {
    stdout: (text) => send({ o: text }),
    stderr: (text) => send({ e: text }),
    cwd: request.cwd,
    color: request.stdout.tty && !request.env.NO_COLOR,
    noColor: Boolean(request.env.NO_COLOR),
    // A client gone is a reader that takes everything: nothing waits for a socket that will never drain.
    flow: { congested: () => !socket.destroyed && socket.writableNeedDrain, drained: () => drainedOrClosed(socket) },
    outputClosed: outputClosed.signal,
    afterReply: (work) => void later.push(work),
    admitRun: async (run) => {
      const checking = performance.now();
      if (!socket.destroyed) timing.verdict = await fullCacheHit(run as SessionRunOptions, daemon.changedPaths);
      timing.checkMs = Math.round(performance.now() - checking);
      timing.admittedAtMs = Math.round(performance.now() - began);
      if (timing.verdict?.hit && !socket.destroyed) return admit();
      declined = true;
      throw new Error('not a full cache hit: the client runs it');
    },
  };
  let code: number;
  try {
    code = await main(request.argv, io);
    if (!declined) {
      admit();
      send({ x: code });
      flush();
      if (later.length > 0) timing.repliedAtMs = Math.round(performance.now() - began);
      const spent = process.cpuUsage(cpu);
      timing.cpuMs = Math.round((spent.user + spent.system) / 1000);
    }
    // Still as the client's process (its environment, folder and umask), once it has its exit code.
    for (const work of later.splice(0)) {
      const failures = await work().catch((error: unknown) => [error instanceof Error ? error : new Error(String(error))]);
      for (const failure of failures) {
        daemon.say?.(`after orch ${request.argv.join(' ')}: ${failure.message}`);
        daemon.warnings?.push(`warning: ${terminalText(failure.message)} (after \`orch ${request.argv.join(' ')}\`, served by the daemon at ${new Date().toTimeString().slice(0, 8)})\n`);
      }
    }
  } catch (error) {
    // The decline comes back as an error main() does not report (it is not orch's kind).
    if (declined) return { declined: true, ...timing };
    throw error;
  } finally {
    failing = undefined;
    stuck = undefined;
    context.leave();
  }
  if (declined) return { declined: true, ...timing };
  return { declined: false, code, ...timing };
}

let stuck: ((text: string) => void) | undefined;

/** The report of a config caught in a loop (`reportStuckConfigTo`), to the client of the invocation that loaded it. */
export function reportStuckConfig(text: string): void {
  stuck?.(text);
}

let failing: ((error: unknown, event: 'uncaught-exception' | 'unhandled-rejection') => Promise<void>) | undefined;

/**
 * Tells the client of the invocation in progress, if any, about an error nothing caught, as orch
 * alone would report it (`strayConfigError`: a config's, located, exit 2; else internal, 70).
 */
export async function failInvocation(error: unknown, event: 'uncaught-exception' | 'unhandled-rejection'): Promise<void> {
  await failing?.(error, event).catch(() => undefined);
}

/** Set while the daemon passes a client's signal to the run, so the daemon's own handlers let it be. */
export let passingSignal = false;

/** Tells the run in progress, if any, to stop, as a SIGTERM to orch alone would (the daemon is stopping). */
export function stopInvocation(): void {
  emitSignal('SIGTERM');
}

function emitSignal(name: NodeJS.Signals): void {
  passingSignal = true;
  try {
    process.emit(name as 'SIGINT', name as 'SIGINT');
  } finally {
    passingSignal = false;
  }
}

function drainedOrClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
