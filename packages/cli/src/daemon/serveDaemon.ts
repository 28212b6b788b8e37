import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { useWorkTreeMemory } from '@orch/plugins';
import { parseDuration, reportStuckConfigTo } from '@orch/engine';
import { COMMANDS, version } from '../main.js';
import { lastOpenedWorkspace } from '../openWorkspace.js';
import { closeInheritedDescriptors } from './closeInheritedDescriptors.js';
import { CodeStamps } from './CodeStamps.js';
import { describeMs } from './describeMs.js';
import { takeDaemonLock } from './takeDaemonLock.js';
import { freshImports } from './freshImports.js';
import { warmUp, warmUpRequest } from './warmUp.js';
import { WorkTreeWatch } from './WorkTreeWatch.js';
import { lineReader, type ClientMessage, type DaemonFrame, type DaemonRequest, type DaemonStatus } from './daemonProtocol.js';
import { daemonServes, servedOnlyAsFullHit, warmsUp } from './daemonServes.js';
import { daemonSocketFolder, daemonSocketPath, trustedSocketFolder } from './daemonSocket.js';
import type { FullHitVerdict } from './fullCacheHit.js';
import { failInvocation, passingSignal, reportStuckConfig, serveInvocation, stopInvocation } from './serveInvocation.js';

/** A daemon nobody asked anything for this long stops (`ORCH_DAEMON_IDLE_TIMEOUT`, ms). */
const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;
/** How long a stopping daemon waits for the invocation in progress. */
const STOP_GRACE_MS = 10_000;
/** How long a stopping daemon waits for its lock's release before it ends regardless. */
const RELEASE_GRACE_MS = 2_000;
/** A daemon stops after serving this many invocations: each one's workspace modules stay in memory (`freshImports`). */
const MAX_INVOCATIONS = 500;
/** Why a command the daemon never runs (`orch daemon status`, `orch run --force`) goes back to its client: not worth a line in the log. */
const NOT_SERVED = 'not a command the daemon runs';
/** How often the daemon checks that its workspace and its own program are still there and the same. */
const CHECK_INTERVAL_MS = 5_000;

/**
 * The daemon (docs/daemon.md): one per workspace root, started on demand by an `orch` that ran
 * an invocation itself, serving later ones from a warm process over a Unix socket
 * (`daemonSocketPath`), one at a time (a second client meanwhile runs its own). It keeps no
 * state of its own between invocations: each reads the same files and caches, validated the same
 * way, as a fresh `orch` would. It stops when idle, when its root goes, when the code it loaded
 * changes (`CodeStamps`), on SIGTERM, or when asked (`orch daemon stop`).
 */
export async function serveDaemon(where: { root: string; log: string; cacheDir: string; warmUp?: string | undefined }, program: string): Promise<void> {
  // Straight to the log's descriptor: while an invocation runs, process.stderr is its client's.
  const say = (text: string): void => {
    try {
      writeSync(2, `[${new Date().toISOString()}] ${text}\n`);
    } catch {
      // No log to write to.
    }
  };
  closeInheritedDescriptors();
  // Until it serves, a stop signal ends it at once (its lock is released as the process exits).
  const early = (signal: NodeJS.Signals): void => {
    say(`not started: ${signal} while starting`);
    process.exit(0);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, early);
  try {
    await serve(where, program, say);
  } catch (error) {
    // Its root removed while it started, a state folder gone: it never serves; the next orch starts another.
    say(`not started: ${error instanceof Error ? error.message : String(error)}`);
    rmSync(`${daemonSocketPath(where.root)}.starting`, { force: true });
    process.exit(1);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, early);
  }
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

async function serve(where: { root: string; log: string; cacheDir: string; warmUp?: string | undefined }, program: string, say: (text: string) => void): Promise<void> {
  const { root, log } = where;
  const rootIdentity = statSync(root).ino;
  const folder = daemonSocketFolder();
  // Only the folder itself: a TMPDIR that names no folder is not made.
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      say(`not started: cannot make ${folder} (${(error as Error).message})`);
      process.exit(1);
    }
  }
  if (!trustedSocketFolder(folder)) {
    say(`not started: ${folder} is not a folder of this user's closed to others`);
    process.exit(1);
  }
  const socketPath = daemonSocketPath(root);
  const locked = await takeDaemonLock(socketPath);
  if (!locked) {
    say(`not started: a daemon already serves ${root}`);
    process.exit(0);
  }
  const release = locked;
  // A socket left by a daemon that was killed answers no one.
  rmSync(socketPath, { force: true });
  const stamps = new CodeStamps(root, program);
  const imports = freshImports(program);
  // The state folder is the log's; git's answers about the work tree are kept while it does not change.
  // The state folder is the log's; git's answers about the work tree are kept while it does not
  // change. The watch starts beside serving (its first scan may take a while, or never end if
  // the root goes meanwhile): until it is ready, git is asked each time.
  let workTree: WorkTreeWatch | undefined;
  void WorkTreeWatch.start(root, [dirname(log), where.cacheDir], (why) => say(`no longer keeps git's answers: ${why}`)).then(
    (watch) => {
      if (stopping) return void watch?.close();
      workTree = watch;
      useWorkTreeMemory(watch);
    },
    (error: Error) => say(`keeps no git answers: the work tree cannot be watched (${error.message})`),
  );
  reportStuckConfigTo((text) => {
    say(`a config held the thread in a loop: stopping\n${text}`);
    reportStuckConfig(text);
  });
  const idleTimeoutMs = idleTimeout(process.env.ORCH_DAEMON_IDLE_TIMEOUT, say);
  if (statSync(root, { throwIfNoEntry: false })?.ino !== rootIdentity) throw new Error(`${root} is gone (or another folder took its place)`);
  const startedAt = new Date().toISOString();
  let served = 0;
  let declined = 0;
  let busy = false;
  // Failures of the work done after a reply (`CliIO.afterReply`), for the next client to see.
  const afterReplyWarnings: string[] = [];
  let stopping = false;
  let warming: Promise<unknown> | undefined;
  let clientWaiting = false;

  const status = (): DaemonStatus => ({ pid: process.pid, root, version: version(), startedAt, served, declined, idleTimeoutMs, log, memoryMb: Math.round(process.memoryUsage().rss / 1048576), workTree: { watched: workTree !== undefined, readsKept: workTree?.recalled ?? 0, readsUpdated: workTree?.updated ?? 0 } });
  const server = createServer((socket) => {
    const listeners: ((message: ClientMessage) => void)[] = [];
    let request: DaemonRequest | undefined;
    const read = lineReader((value) => {
      if (request) for (const listener of listeners) listener(value as ClientMessage);
      else {
        request = value as DaemonRequest;
        void answer(request, socket, { on: (listener) => listeners.push(listener) });
      }
    });
    socket.on('data', (chunk) => {
      try {
        read(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });

  async function answer(request: DaemonRequest, socket: Socket, messages: Parameters<typeof serveInvocation>[2]): Promise<void> {
    const reply = (frame: DaemonFrame): void => void socket.end(`${JSON.stringify(frame)}\n`);
    if (request.type === 'status') return reply({ s: status() });
    if (request.type === 'stop') {
      reply({ s: status() });
      return stop('asked to (orch daemon stop)');
    }
    const decline = (reason: string, ending = false): void => {
      // A command the daemon never runs is not one it left to its client (`orch daemon status`).
      if (reason !== NOT_SERVED) {
        declined++;
        say(`orch ${request.argv.join(' ')}: left to the client (${reason})`);
      }
      reply(ending ? { d: reason, stopping: true } : { d: reason });
      if (ending) stop(reason);
    };
    // Never served (`orch daemon status`, `orch watch`...): said at once, the warm-up going on.
    if (!daemonServes(request.argv, Object.keys(COMMANDS))) return decline(NOT_SERVED);
    if (warming) {
      // The warm-up ends its round and gives way: the client waits less than it would running orch itself.
      clientWaiting = true;
      await warming;
    }
    if (stopping) return decline('stopping', true);
    if (statSync(root, { throwIfNoEntry: false })?.ino !== rootIdentity) return decline(`${root} is gone (or another folder took its place)`, true);
    if (workTree?.codeChanged) return decline(workTree.codeChanged, true);
    if (request.program.path !== program) return decline(`another orch (${request.program.path})`);
    const changed = stamps.changed();
    if (changed) return decline(`${changed} changed`, true);
    if (busy) return decline('busy');
    busy = true;
    restartIdleTimer();
    const began = performance.now();
    try {
      const result = await asInvocation(() => serveInvocation(request, socket, messages, { program, root, changedPaths: workTree?.changedPaths, mayDecline: mayDecline(request.argv), say, warnings: afterReplyWarnings }));
      const check = result.checkMs === undefined ? '' : ` (the full-hit check took ${result.checkMs} ms, done ${result.admittedAtMs} ms in${describeVerdict(result.verdict)})`;
      const replied = result.repliedAtMs === undefined ? (result.cpuMs === undefined ? '' : ` (${result.cpuMs} ms of CPU)`) : ` (replied ${result.repliedAtMs} ms in, ${result.cpuMs} ms of CPU)`;
      say(`orch ${request.argv.join(' ')}: ${result.declined ? 'left to the client' : `exit ${result.code}`} after ${Math.round(performance.now() - began)} ms${replied}${check}`);
      if (result.declined) declined++;
      else served++;
      // Busy until the client has it all: a slow reader may still be draining the output, and a
      // daemon stopping meanwhile (`orch daemon stop`) must not exit with the exit code unsent.
      await endAndFlush(socket, result.declined ? `${JSON.stringify({ d: 'not a full cache hit' })}\n` : undefined);
    } catch (error) {
      say(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      socket.end(`${JSON.stringify({ e: `orch: internal error in the daemon: ${error instanceof Error ? error.message : String(error)} (its log: ${log})\n` })}\n${JSON.stringify({ x: 70 })}\n`);
      stop('an internal error');
    } finally {
      busy = false;
      restartIdleTimer();
      const moved = movedStateFolder(root, log, where.cacheDir);
      if (moved) stop(moved);
      else if (served >= MAX_INVOCATIONS) stop(`served ${served} invocations`);
      else collectYoungGarbage();
    }
  }

  /**
   * Whether the client should expect a decline: a run admitted only as a full cache hit, after
   * files changed in the work tree since the invocation before (or too many to say).
   */
  function mayDecline(argv: readonly string[]): boolean {
    if (!workTree || !servedOnlyAsFullHit(argv, Object.keys(COMMANDS))) return false;
    return workTree.changedMany || (workTree.changedPaths?.size ?? 0) > 0;
  }

  /** Runs `invocation` as each one runs: its own module generation, the work tree synced before and let go after. */
  async function asInvocation<T>(invocation: () => Promise<T>, options: { warmUp?: boolean } = {}): Promise<T> {
    await imports.next();
    await workTree?.sync({ keepChanged: options.warmUp === true });
    try {
      return await invocation();
    } finally {
      stamps.see(await imports.loaded().catch(() => []));
      workTree?.end();
    }
  }

  let idle: NodeJS.Timeout | undefined;
  function restartIdleTimer(): void {
    clearTimeout(idle);
    if (!busy) idle = setTimeout(() => stop(`idle for ${describeMs(idleTimeoutMs)}`), idleTimeoutMs);
  }

  function stop(why: string): void {
    if (stopping) return;
    stopping = true;
    say(`stopping: ${why}`);
    clearInterval(check);
    clearTimeout(idle);
    server.close();
    rmSync(socketPath, { force: true });
    rmSync(`${socketPath}.starting`, { force: true });
    // The lock's release may never settle (its folder removed with the workspace, a file system
    // gone): the daemon ends anyway, a little later (a daemon was seen waiting on it for minutes).
    const end = (): void =>
      void Promise.race([release().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, RELEASE_GRACE_MS))]).finally(() => {
        rmSync(`${socketPath}.holder`, { force: true });
        process.exit(0);
      });
    // An invocation in progress finishes first (its client is waiting for it: `orch daemon stop`
    // from another terminal must not interrupt it); one still running at half the grace is told
    // to stop as orch alone is by SIGTERM, and one not ended after STOP_GRACE_MS is left (the
    // next orch ends what it left running, as after any orch that died).
    const tell = setTimeout(() => {
      if (busy) stopInvocation();
    }, STOP_GRACE_MS / 2);
    const wait = setInterval(() => {
      if (!busy) {
        clearInterval(wait);
        clearTimeout(tell);
        end();
      }
    }, 20);
    setTimeout(() => {
      say(`stopping: the invocation in progress did not end within ${STOP_GRACE_MS / 1000} s`);
      end();
    }, STOP_GRACE_MS);
  }

  const check = setInterval(() => {
    if (statSync(root, { throwIfNoEntry: false })?.ino !== rootIdentity) stop(`${root} is gone (or another folder took its place)`);
    else if (!existsSync(socketPath)) stop('its socket was removed');
    else if (!existsSync(log)) stop(`its log ${log} was removed (the state folder with it)`);
    else {
      const file = busy ? undefined : stamps.changed();
      // The watch says what changed and how (`codeChanged`); a stamp names only the file.
      const why = file === undefined ? (busy ? undefined : workTree?.codeChanged) : `${file} changed`;
      if (why) stop(why);
    }
  }, CHECK_INTERVAL_MS);
  check.unref();

  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (!passingSignal) stop(`${signal}`);
    });
  }
  // What nothing caught (a config's timer that throws, a plugin's stray promise) ends the daemon:
  // the invocation it happened in is told as orch alone would say it (a config's error located,
  // exit 2; else an internal error, 70), and the next runs in its own process.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (error: unknown) => {
      say(`${event}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void failInvocation(error, event === 'uncaughtException' ? 'uncaught-exception' : 'unhandled-rejection').finally(() => process.exit(70));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  rmSync(`${socketPath}.starting`, { force: true });
  say(`serving ${root} on ${socketPath} (pid ${process.pid}, orch ${version()}, idle timeout ${describeMs(idleTimeoutMs)})`);
  restartIdleTimer();
  const first = warmUpRequest(where.warmUp);
  if (first && warmsUp(first.argv, Object.keys(COMMANDS))) {
    const began = performance.now();
    warming = warmUp(first, { program, root }, (round) => asInvocation(round, { warmUp: true }), () => clientWaiting || stopping).then((rounds) => {
      warming = undefined;
      say(`warmed up: orch ${first.argv.join(' ')} ${rounds === 1 ? 'once' : `${rounds} times`}, ${Math.round(performance.now() - began)} ms${clientWaiting ? ' (a client came)' : ''}`);
    });
  }
}

/** Ends the socket (after `last`, if given) and resolves once all of it was handed to the system, or the client went away. */
function endAndFlush(socket: Socket, last?: string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('finish', resolve);
    socket.once('close', resolve);
    socket.once('error', resolve);
    if (last === undefined) socket.end();
    else socket.end(last);
  });
}

/** How the log says what the full-hit check found when it declined: the task, why, and how many tasks it looked at. */
function describeVerdict(verdict: FullHitVerdict | undefined): string {
  if (!verdict?.miss) return '';
  return `; ${verdict.miss.task === '*' ? verdict.miss.why : `${verdict.miss.task}: ${verdict.miss.why}`}, after ${verdict.checked} task${verdict.checked === 1 ? '' : 's'}`;
}

/** The longest a timer can wait (Node's limit, about 24.8 days). */
const LONGEST_MS = 2 ** 31 - 1;
/** The shortest idle timeout taken. */
const SHORTEST_MS = 1_000;

/**
 * `ORCH_DAEMON_IDLE_TIMEOUT`: a duration (`30m`, `2h`, `90s`; a bare number is milliseconds), at
 * most ~24 days (longer waits that long). Anything else is said in the log and the default taken.
 */
function idleTimeout(value: string | undefined, say: (text: string) => void): number {
  if (value === undefined || value.trim() === '') return DEFAULT_IDLE_TIMEOUT_MS;
  const ms = parseDuration(value);
  if (ms === undefined) {
    say(`ORCH_DAEMON_IDLE_TIMEOUT=${value} is not a duration such as 30m, 2h or 90s: ${describeMs(DEFAULT_IDLE_TIMEOUT_MS)} it is`);
    return DEFAULT_IDLE_TIMEOUT_MS;
  }
  if (ms > LONGEST_MS) {
    say(`ORCH_DAEMON_IDLE_TIMEOUT=${value} is longer than a timer can wait: ${describeMs(LONGEST_MS)} it is`);
    return LONGEST_MS;
  }
  if (ms < SHORTEST_MS) {
    // Shorter, the daemon would stop before its starter could reach it (`orch daemon start` said it did not start).
    say(`ORCH_DAEMON_IDLE_TIMEOUT=${value} is shorter than a daemon can serve in: ${describeMs(SHORTEST_MS)} it is`);
    return SHORTEST_MS;
  }
  return ms;
}

/**
 * A scavenge of the young generation once an invocation is over, off every client's clock: what
 * the invocation allocated is garbage by then, so it costs little, and the next invocation
 * starts with room for all it allocates (about 22 MB for a 100-task full hit), instead of
 * stopping for one or two scavenges of 2-7 ms each while a client waits (issue 13). Needs the
 * daemon's `--expose-gc` (startDaemon.ts); without it, nothing.
 */
function collectYoungGarbage(): void {
  const gc = (globalThis as { gc?: (options: { type: 'minor'; execution: 'sync' }) => void }).gc;
  if (gc) setImmediate(() => gc({ type: 'minor', execution: 'sync' }));
}

/**
 * Why the daemon's state folders are no longer the workspace's: the config, read by the last
 * invocation, moved `stateDir` or `cache.dir` since the daemon started (session 24's tester: it
 * went on writing its log and cookies in the old folder). Undefined while they agree, or when the
 * last invocation opened another workspace (a nested one) or none.
 */
function movedStateFolder(root: string, log: string, cacheDir: string): string | undefined {
  const opened = lastOpenedWorkspace();
  if (!opened || opened.root !== root) return undefined;
  const state = resolve(root, opened.stateDir);
  const cache = resolve(root, opened.cacheDir);
  if (state !== dirname(log)) return `the config moved orch's state folder to ${state}`;
  if (cache !== resolve(cacheDir)) return `the config moved the cache to ${cache}`;
  return undefined;
}
