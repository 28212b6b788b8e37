import { closeSync, writeSync } from 'node:fs';
import { Script } from 'node:vm';
import { ExitCode } from '../exitCodes.js';
import { INVOCATION_QUERY } from '../process/invocationState.js';
import type { OrchError } from '../OrchError.js';
import { ConfigCodeFailure, configCodeFailure } from './configCodeFailure.js';
import { configTimeoutMs } from './configTimeout.js';
import { startConfigWatchdog } from './configWatchdog.js';
import { isThenable } from './isThenable.js';

let stuckReport: ((text: string) => void) | undefined;

/**
 * Where the report of a config caught in a loop goes before the process ends (exit 2): stderr,
 * unless the daemon sends it to the client whose invocation loaded the config (docs/daemon.md).
 * Called on the stuck thread, so it must write synchronously.
 */
export function reportStuckConfigTo(report: ((text: string) => void) | undefined): void {
  stuckReport = report;
}

/** Config files whose code ran in this process, for `strayConfigError`. */
const ranConfigFiles = new Set<string>();

/**
 * Renders the error of a config caught in a loop while it waited on a promise, which orch writes
 * to stderr itself before it ends the process with exit 2: the thread that would report it is
 * the one the loop holds.
 */
export type StuckRenderer = (error: OrchError) => string;

/**
 * Runs a JavaScript or TypeScript config's code (its import, its exported function, the promise
 * it exports) so that nothing it does can crash, hang or end orch (issue 12 part 8, findings
 * #4 and #7). `start` runs the code's synchronous part and returns its value or a promise. Each
 * way it can go wrong is a located `OrchError('config-load-failed')` naming the file, which
 * every command reports with exit 2:
 * - it throws, or its promise rejects;
 * - a promise it made is rejected and nothing handles it, or a callback it scheduled throws,
 *   while it loads (`Promise.reject(new Error('stray'))`);
 * - it calls `process.exit()` while it loads (the call throws instead of exiting);
 * - it is still running after `ORCH_CONFIG_TIMEOUT` (default 10 s). A synchronous part is run
 *   under V8's own time limit (`vm`'s `timeout`, a native thread that costs nothing to start),
 *   which stops a loop and reports it at the default export. Only when the code returns a
 *   promise is a watchdog thread started for the rest (see `startConfigWatchdog`): a promise
 *   that never settles is an error at the default export, and a loop in the code that runs
 *   after an `await` is written with `renderStuck`, at the loop's line, as the process ends
 *   with exit 2 (the loop holds the thread).
 * `read` turns the settled value into what the caller keeps, within the same limit (reading a
 * value may run its getters). Source maps are on while it runs, so stack frames name the
 * config's own lines. Throws
 * `OrchError('usage')` for an `ORCH_CONFIG_TIMEOUT` that is not a duration.
 */
export async function runConfigCode(file: string, start: () => unknown, renderStuck: StuckRenderer = plainReport, read: (value: unknown) => unknown = (value) => value): Promise<unknown> {
  const limitMs = configTimeoutMs();
  const started = Date.now();
  ranConfigFiles.add(file);
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  const exit = process.exit;
  const strays = trapStrays();
  let stopWatching = (): void => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    // Whether the value is a promise, and `read` (which may run the config's getters and Proxy
    // traps), run within the limit too; only `read`'s result, boxed, crosses a promise, since
    // resolving a promise with the value itself reads its `then` (findings R2 #10).
    const first = callWithin(limitMs, () => {
      const value = start();
      return isThenable(value) ? { pending: value } : { done: read(value) };
    }) as { pending: PromiseLike<unknown> } | { done: unknown };
    let settled: Promise<{ done: unknown }>;
    if ('done' in first) settled = Promise.resolve(first);
    else {
      const value = Promise.resolve(first.pending).then((resolved) => ({ done: read(resolved) }));
      const remainingMs = Math.max(1, limitMs - (Date.now() - started));
      const onStuck = (stack: string): void => {
        const text = renderStuck(configCodeFailure(file, new ConfigCodeFailure({ kind: 'loop', limitMs, stack })));
        if (stuckReport) stuckReport(text);
        else writeSync(2, text);
        // Node would add "Waiting for the debugger to disconnect..." (the watchdog's inspector
        // session is open as the process ends): nothing more goes to stderr.
        closeSync(2);
        exit.call(process, ExitCode.usage);
      };
      stopWatching = startConfigWatchdog(remainingMs, onStuck, `orch: could not load ${file}: the config was still running after ${limitMs} ms, and could not be stopped\n`).stop;
      const limit = new Promise<never>((_, reject) => {
        // Not unref'd: when nothing else keeps the process alive, this limit is what ends the wait.
        timer = setTimeout(() => reject(new ConfigCodeFailure({ kind: 'pending', limitMs })), remainingMs);
      });
      settled = Promise.race([value, limit]);
    }
    const result = await Promise.race([settled, strays.failed]);
    // What the code left unhandled shows once its promise jobs have run: still its load's error.
    await Promise.race([new Promise((resolve) => setImmediate(resolve)), strays.failed]);
    return result.done;
  } catch (error) {
    // The stack is formatted (and source-mapped) here, before source maps are turned off again.
    throw configCodeFailure(file, error);
  } finally {
    clearTimeout(timer);
    stopWatching();
    strays.release();
    process.setSourceMapsEnabled(sourceMaps);
  }
}

/** Where `callWithin`'s script finds the function to call. */
const CALL = Symbol.for('orch.configCall');
let callScript: Script | undefined;

/**
 * Calls `fn` under V8's time limit for scripts: past `limitMs` the running code is stopped and
 * a `ConfigCodeFailure` of kind `loop` is thrown here instead.
 */
function callWithin(limitMs: number, fn: () => unknown): unknown {
  callScript ??= new Script('globalThis[Symbol.for("orch.configCall")]()', { filename: 'orch:config' });
  Object.defineProperty(globalThis, CALL, { value: fn, configurable: true });
  try {
    return callScript.runInThisContext({ timeout: limitMs });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new ConfigCodeFailure({ kind: 'loop', limitMs });
    throw error;
  } finally {
    delete (globalThis as Record<symbol, unknown>)[CALL];
  }
}

function plainReport(error: OrchError): string {
  return `orch: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`;
}


/**
 * While config code runs: an unhandled rejection, an uncaught exception or a call to
 * `process.exit()` fails the load (`failed` rejects) instead of ending the process. The
 * process's own listeners for the two events are set aside meanwhile, so what the config did
 * is reported once, as a config error. `release` puts everything back.
 */
function trapStrays(): { failed: Promise<never>; release(): void } {
  let fail!: (failure: ConfigCodeFailure) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const traps = {
    unhandledRejection: (reason: unknown): void => fail(new ConfigCodeFailure({ kind: 'unhandled-rejection', reason })),
    uncaughtException: (error: unknown): void => fail(new ConfigCodeFailure({ kind: 'uncaught-exception', error })),
  };
  const events = Object.keys(traps) as (keyof typeof traps)[];
  const setAside = events.map((event) => {
    const listeners = process.rawListeners(event) as ((...args: unknown[]) => void)[];
    process.removeAllListeners(event);
    process.on(event, traps[event]);
    return listeners;
  });
  const exit = process.exit;
  process.exit = ((code?: unknown) => {
    const failure = new ConfigCodeFailure({ kind: 'exit', code, stack: new Error('process.exit').stack });
    fail(failure);
    // Thrown into the config's code, which stops there, as it would have stopped at the exit.
    throw failure;
  }) as typeof process.exit;
  return {
    failed,
    release() {
      process.exit = exit;
      events.forEach((event, index) => {
        process.off(event, traps[event]);
        for (const listener of setAside[index]!) process.on(event, listener);
      });
    },
  };
}

/**
 * For an error nothing caught after the config loaded (a timer of the config that throws later,
 * a rejection nothing handles): the located config error when its stack runs through a config
 * file that ran in this process, else undefined (an error of orch itself).
 */
export function strayConfigError(kind: 'unhandled-rejection' | 'uncaught-exception', error: unknown): Error | undefined {
  // The daemon's query on the config's URL (`?orch-invocation=3`) is not part of its name.
  const stack = error instanceof Error ? (error.stack ?? '').replace(INVOCATION_QUERY, '') : '';
  for (const file of ranConfigFiles) {
    // A stack frame in the file (`file:12:3`), not the file named in a message.
    if (!stack.split('\n').some((line) => line.trimStart().startsWith('at ') && line.includes(`${file}:`))) continue;
    return configCodeFailure(file, new ConfigCodeFailure(kind === 'unhandled-rejection' ? { kind, reason: error } : { kind, error }));
  }
  return undefined;
}
