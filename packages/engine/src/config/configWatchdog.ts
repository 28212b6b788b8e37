import { isMainThread, Worker } from 'node:worker_threads';

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

/**
 * The watchdog thread. It sleeps on a shared word until the config is done or `limitMs` passes.
 * Then it asks the main thread, through an inspector session, to run the hook: V8 runs inspector
 * commands as an interrupt, between two instructions of a running loop, so the hook runs even
 * while config code holds the thread. Should the main thread not answer (blocked in a system
 * call, not in JavaScript), or the inspector be missing from this build of Node, the thread
 * writes the message itself and kills the process.
 *
 * (V8 could also unwind the loop, `Runtime.terminateExecution`, and let orch go on; but Node
 * survives that only when the loop runs in a promise job, not in a timer or I/O callback, and
 * even then it aborted one run in twenty here: ending the process is the dependable way.)
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { state, limitMs, unanswered } = workerData;
if (Atomics.wait(state, 0, 0, limitMs) === 'timed-out') {
  const giveUp = () => {
    writeSync(2, unanswered);
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
}
`;

/**
 * Starts a watchdog over config code that runs on this thread for at most `limitMs`. If the code
 * still holds the thread then, `onStuck` is called on this thread, inside the running code, with
 * the stack of that code (which names the loop's line): it must end the process, since the
 * thread cannot be given back. A config that only waits (on a promise) is not stuck and is left
 * to the caller's own timer.
 *
 * The thread costs about 2 ms of this thread's time to start (its own start-up runs beside it),
 * so it is started only for code that can loop (JavaScript and TypeScript configs, never JSON or
 * YAML). `unanswered` is what is written to stderr if the thread cannot be reached. Only the
 * main thread can be watched (an inspector session reaches the main thread only): elsewhere,
 * this does nothing.
 */
export function startConfigWatchdog(limitMs: number, onStuck: (stack: string) => void, unanswered: string): ConfigWatchdog {
  if (!isMainThread) return { stop() {} };
  const state = new Int32Array(new SharedArrayBuffer(4));
  const hook = (): void => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error('the config did not finish').stack ?? '';
    Error.stackTraceLimit = limit;
    // The hook and the inspector's script are two frames: any more are the code it interrupted.
    if (stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).length > 2) onStuck(stack);
  };
  Object.defineProperty(globalThis, HOOK, { value: hook, configurable: true });
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { state, limitMs: limitMs + MARGIN_MS, unanswered } });
  worker.unref();
  return {
    stop() {
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
      delete (globalThis as Record<symbol, unknown>)[HOOK];
    },
  };
}
