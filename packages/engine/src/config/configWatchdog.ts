import { isMainThread, MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

/** A watch over config code that may never give the thread back (`while (true) {}`). */
export interface ConfigWatchdog {
  /** The config code is done: the watchdog ends without doing anything. */
  stop(): void;
}

/** Where the watchdog's probe finds the main thread's hook. */
const HOOK = Symbol.for('orch.configWatchdog');

/**
 * How much later than the main thread's own timer the watchdog looks: a config that waits on a
 * promise is reported by that timer, and the watchdog, woken by `stop()` first, does nothing.
 */
const MARGIN_MS = 100;

/** Word 0: the id of the watch in force (0: none). Word 1: its limit in ms. */
const WATCH = 0;
const LIMIT = 1;

/**
 * The watchdog thread, one per process, kept between watches (a daemon loads configs on every
 * invocation, and a thread's start costs 20-30 ms of a core). It sleeps on a shared word until a
 * watch is put in force, then until that watch ends or its limit passes. Then it asks the main
 * thread, through an inspector session, to run the hook: V8 runs inspector commands as an
 * interrupt, between two instructions of a running loop, so the hook runs even while config code
 * holds the thread. Should the main thread not answer (blocked in a system call, not in
 * JavaScript), or the inspector be missing from this build of Node, the thread writes the
 * watch's message itself (sent with the watch, read without waiting) and kills the process.
 *
 * (V8 could also unwind the loop, `Runtime.terminateExecution`, and let orch go on; but Node
 * survives that only when the loop runs in a promise job, not in a timer or I/O callback, and
 * even then it aborted one run in twenty here: ending the process is the dependable way.)
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { state, port } = workerData;
let unanswered = '';
const latestMessage = (id) => {
  for (let message; (message = receiveMessageOnPort(port)); ) if (message.message.id === id) unanswered = message.message.unanswered;
  return unanswered;
};
for (;;) {
  Atomics.wait(state, ${WATCH}, 0);
  const id = Atomics.load(state, ${WATCH});
  if (id !== 0) latestMessage(id);
  if (id === 0 || Atomics.wait(state, ${WATCH}, id, Atomics.load(state, ${LIMIT})) !== 'timed-out') continue;
  const text = latestMessage(id);
  const giveUp = () => {
    writeSync(2, text);
    process.kill(process.pid, 'SIGKILL');
  };
  let session;
  try {
    session = new (require('node:inspector').Session)();
    session.connectToMainThread();
  } catch {
    giveUp();
  }
  const timer = setTimeout(giveUp, 2000);
  session.post('Runtime.evaluate', { expression: 'globalThis[Symbol.for("orch.configWatchdog")]?.()' }, () => {
    clearTimeout(timer);
    session.disconnect();
  });
  break;
}
`;

let thread: { state: Int32Array; port: MessagePort } | undefined;
let lastId = 0;

/** The process's watchdog thread, started on first use and never waited on (unref'd). */
function watchdogThread(): { state: Int32Array; port: MessagePort } {
  if (thread) return thread;
  const state = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { state, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  thread = { state, port: port1 };
  return thread;
}

/**
 * Starts a watchdog over config code that runs on this thread for at most `limitMs`. If the code
 * still holds the thread then, `onStuck` is called on this thread, inside the running code, with
 * the stack of that code (which names the loop's line): it must end the process, since the
 * thread cannot be given back. A config that only waits (on a promise) is not stuck and is left
 * to the caller's own timer.
 *
 * The process's one watchdog thread (`watchdogThread`) is started on the first watch, for code
 * that can loop (JavaScript and TypeScript configs, never JSON or YAML); a watch after that costs
 * two atomic writes. Watches do not nest: a new one replaces the one in force. `unanswered` is
 * what is written to stderr if the thread cannot be reached. Only the main thread can be watched
 * (an inspector session reaches the main thread only): elsewhere, this does nothing.
 */
export function startConfigWatchdog(limitMs: number, onStuck: (stack: string) => void, unanswered: string): ConfigWatchdog {
  if (!isMainThread) return { stop() {} };
  const hook = (): void => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error('the config did not finish').stack ?? '';
    Error.stackTraceLimit = limit;
    // The hook and the inspector's script are two frames: any more are the code it interrupted.
    if (stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).length > 2) onStuck(stack);
  };
  Object.defineProperty(globalThis, HOOK, { value: hook, configurable: true });
  const { state, port } = watchdogThread();
  const id = (lastId = (lastId % 0x7fffffff) + 1);
  port.postMessage({ id, unanswered });
  Atomics.store(state, LIMIT, Math.min(limitMs + MARGIN_MS, 0x7fffffff));
  Atomics.store(state, WATCH, id);
  Atomics.notify(state, WATCH);
  return {
    stop() {
      if (Atomics.compareExchange(state, WATCH, id, 0) === id) Atomics.notify(state, WATCH);
      if ((globalThis as Record<symbol, unknown>)[HOOK] === hook) delete (globalThis as Record<symbol, unknown>)[HOOK];
    },
  };
}
