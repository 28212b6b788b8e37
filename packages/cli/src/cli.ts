#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runThroughDaemon } from './daemon/daemonClient.js';
import { dropOutputWithNowhereToGo, exitWhenFlushed } from './processOutput.js';

// The entry loads only what asking the daemon takes (docs/daemon.md): orch itself is loaded
// when this process runs the invocation, or to be the daemon.
const argv = process.argv.slice(2);
const program = realpathSync(fileURLToPath(import.meta.url));
if (argv[0] === '__daemon') {
  const { serveDaemon } = await import('./daemon/serveDaemon.js');
  await serveDaemon({ root: argv[1]!, log: argv[2]!, cacheDir: argv[3]!, warmUp: argv[4] }, program);
} else {
  const outputClosed = dropOutputWithNowhereToGo();
  // A run the daemon may leave here: orch's modules load while it decides (nothing runs).
  const preload = (): void => void Promise.all([import('./runHere.js'), import('./commands/run.js'), import('@orch/plugins'), import('@orch/plugins/preset')]).catch(() => undefined);
  const outcome = await runThroughDaemon(argv, program, preload);
  if ('served' in outcome) exitWhenFlushed(outcome.served);
  else (await import('./runHere.js')).runHere(argv, outputClosed, outcome);
}
