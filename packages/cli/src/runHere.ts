import { main } from './main.js';
import { outputFlow } from './outputFlow.js';
import { exitWhenFlushed } from './processOutput.js';
import type { DaemonOutcome } from './daemon/daemonClient.js';
import { reportErrorModule } from './lazyModules.js';

const INTERNAL_ERROR = 70;

/**
 * Runs the invocation in this process (no daemon, or one that left it here: docs/daemon.md),
 * then ends the process with its exit code. Where a daemon could have served it and none is
 * running, one is started for the workspace the invocation opened, for the next invocations.
 */
export function runHere(argv: readonly string[], outputClosed: AbortSignal, daemon: DaemonOutcome): void {
  const io = {
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text),
    cwd: process.cwd(),
    // `--no-color` is one of orch's own options, applied by main().
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    noColor: Boolean(process.env.NO_COLOR),
    flow: outputFlow([process.stdout, process.stderr]),
    outputClosed,
  };
  let finished = false;
  const end = (code: number): void => {
    finished = true;
    exitWhenFlushed(code);
  };

  // An event loop that empties while main() still waits means some promise will never settle.
  process.once('beforeExit', () => {
    if (finished) return;
    process.stderr.write('orch: internal error: stopped with work unfinished (a promise that never settles, likely in a plugin)\n');
    process.exitCode = INTERNAL_ERROR;
  });

  // Nothing left behind may end orch with Node's stack trace: an error nothing caught, after the
  // config loaded (while it loads, the config loader catches them itself), is the config's when
  // its stack runs through the config file (exit 2, located), else an internal error.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (error: unknown) => {
      void (async () => {
        const { strayConfigError } = await import('@orch/engine');
        const configError = strayConfigError(event === 'uncaughtException' ? 'uncaught-exception' : 'unhandled-rejection', error);
        if (configError) {
          const { reportError } = await reportErrorModule();
          end(reportError(configError, io));
          return;
        }
        internalError(error);
      })();
    });
  }

  /** A bug of orch or of a plugin: said as such, with the stack, exit 70. */
  function internalError(error: unknown): void {
    process.stderr.write(`orch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    end(INTERNAL_ERROR);
  }

  main(argv, io).then(async (code) => {
    if ('local' in daemon && daemon.local !== 'off') await (await import('./daemon/startDaemon.js')).startDaemonAfter(argv, daemon).catch(() => undefined);
    end(code);
  }, internalError);
}
