#!/usr/bin/env node
import { main } from './main.js';
import { outputFlow } from './outputFlow.js';

const outputClosed = new AbortController();
const io = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  cwd: process.cwd(),
  // `--no-color` is one of orch's own options, applied by main().
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  noColor: Boolean(process.env.NO_COLOR),
  flow: outputFlow([process.stdout, process.stderr]),
  outputClosed: outputClosed.signal,
};

const INTERNAL_ERROR = 70;

// Output with nowhere to go (a closed terminal after SIGHUP: EIO; a closed pipe: EPIPE) is
// dropped, so orch still stops its tasks and records the session instead of dying mid-way; a
// command that only prints (`status --watch`) hears of it through `io.outputClosed` and ends.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '')) throw error;
    if (stream === process.stdout) outputClosed.abort();
  });
}

let finished = false;
// An event loop that empties while main() still waits means some promise will never settle.
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write('orch: internal error: stopped with work unfinished (a promise that never settles, likely in a plugin)\n');
  process.exitCode = INTERNAL_ERROR;
});

/**
 * Ends the process with `code` once everything written to stdout and stderr is out (a pipe to a
 * slow reader may still hold megabytes). Ending it explicitly, rather than when the event loop
 * empties, means a timer or a server that a config or plugin left open (`setInterval`,
 * `listen(0)`) never keeps orch alive after its command is done (issue 12, findings #4).
 */
function exitWhenFlushed(code: number): void {
  finished = true;
  let pending = 2;
  for (const stream of [process.stdout, process.stderr]) {
    stream.write('', () => {
      if (--pending === 0) process.exit(code);
    });
  }
}

// Nothing left behind may end orch with Node's stack trace: an error nothing caught, after the
// config loaded (while it loads, the config loader catches them itself), is the config's when
// its stack runs through the config file (exit 2, located), else an internal error.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    void (async () => {
      const { strayConfigError } = await import('@orch/engine');
      const configError = strayConfigError(event === 'uncaughtException' ? 'uncaught-exception' : 'unhandled-rejection', error);
      if (configError) {
        const { reportError } = await import('./render/reportError.js');
        exitWhenFlushed(reportError(configError, io));
        return;
      }
      internalError(error);
    })();
  });
}

/** A bug of orch or of a plugin: said as such, with the stack, exit 70. */
function internalError(error: unknown): void {
  process.stderr.write(`orch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitWhenFlushed(INTERNAL_ERROR);
}

main(process.argv.slice(2), io).then(exitWhenFlushed, internalError);
