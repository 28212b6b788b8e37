#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { runThroughDaemon } from './daemon/daemonClient.js';
import { dropOutputWithNowhereToGo, exitWhenFlushed } from './processOutput.js';

// The entry loads only what asking the daemon takes (docs/daemon.md): orch itself is loaded
// when this process runs the invocation, or to be the daemon. Bundled, it is the one CommonJS
// file `dist/bin.cjs` (scripts/bundleOrch.mjs): Node starts a CommonJS entry ~10 ms sooner than
// an ES module one with its imports, about a tenth of a served full hit (issue 13). So no
// top-level `await` and no `import.meta` here; the dynamic imports become the bundle's ES chunks.
const argv = process.argv.slice(2);
// The entry as a file (`dist/bin.js` is a link to `dist/bin.cjs`): what the daemon runs and stamps.
// Bundled it is this CommonJS file's own name; unbundled (an ES module), the script Node ran.
const program = realpathSync(typeof __filename === 'string' ? __filename : process.argv[1]!);

async function start(): Promise<void> {
  if (argv[0] === '__daemon') {
    const { serveDaemon } = await import('./daemon/serveDaemon.js');
    await serveDaemon({ root: argv[1]!, log: argv[2]!, cacheDir: argv[3]!, warmUp: argv[4] }, program);
    return;
  }
  const outputClosed = dropOutputWithNowhereToGo();
  // A run the daemon may leave here: orch's modules load while it decides (nothing runs).
  const preload = (): void => void runHereModule().catch(() => undefined);
  const outcome = await runThroughDaemon(argv, program, preload);
  if ('served' in outcome) exitWhenFlushed(outcome.served);
  else (await runHereModule()).runHere(argv, outputClosed, outcome);
}

/** The help words: an invocation holding one is answered from the help's own chunks. */
const HELP_WORDS = ['--version', '-v', '--help', '-h'];

/**
 * What running the invocation in this process loads (scripts/bundleOrch.mjs): the help, the
 * version and a completion script only their own chunks of the split bundle (`runHere`), and
 * anything else the whole program as one module (`runWhole`, the same code). Node 20 resolves,
 * reads and links each ES module on its own, and a run alone loads about 65 chunks: as one
 * module, a full hit of 100 packages alone starts ~60 ms sooner, where `--help` would take
 * ~35 ms longer (issue 13). Either answers every invocation alike; only the time differs.
 */
function runHereModule(): Promise<typeof import('./runHere.js')> {
  const light = argv[0] === 'help' || argv[0] === 'completion' || argv.some((arg) => HELP_WORDS.includes(arg));
  return light ? import('./runHere.js') : import('./runWhole.js');
}

/**
 * Whether orch has a folder to run in. The one it was started in may be gone (removed or moved
 * away: `process.cwd()` throws; session 24's tester: a stack trace, exit 70, even for
 * `--version`): then an absolute `--cwd` is gone to, `--version`, `--help` and `help` run from `/`, and
 * anything else is a usage error (exit 2).
 */
function haveFolder(): boolean {
  try {
    process.cwd();
    return true;
  } catch {
    // Gone: below.
  }
  const at = argv.findIndex((arg) => arg === '--cwd' || arg.startsWith('--cwd='));
  const given = at < 0 ? undefined : argv[at]!.startsWith('--cwd=') ? argv[at]!.slice('--cwd='.length) : argv[at + 1];
  const tries = [...(given !== undefined && isAbsolute(given) ? [given] : []), ...(argv[0] === 'help' || argv.some((arg) => HELP_WORDS.includes(arg)) ? ['/'] : [])];
  for (const folder of tries) {
    try {
      process.chdir(folder);
      return true;
    } catch {
      // Not a folder: the next, or the error below.
    }
  }
  process.stderr.write('orch: the folder orch was started in no longer exists (removed or moved away)\n  hint: cd to a folder that exists, or give --cwd <absolute folder>\n');
  process.exitCode = 2;
  return false;
}

// What start() throws is orch's own failure to start (a missing chunk): said, as an unhandled rejection would.
if (haveFolder()) {
  start().catch((error: unknown) => {
    process.stderr.write(`orch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  });
}
