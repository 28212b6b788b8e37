#!/usr/bin/env node
import { main } from './main.js';
import { outputFlow } from './outputFlow.js';

const io = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  cwd: process.cwd(),
  color: process.stdout.isTTY === true && !process.env.NO_COLOR && !process.argv.includes('--no-color'),
  noColor: Boolean(process.env.NO_COLOR) || process.argv.includes('--no-color'),
  flow: outputFlow([process.stdout, process.stderr]),
};

// Output with nowhere to go (a closed terminal after SIGHUP: EIO; a closed pipe: EPIPE) is
// dropped, so orch still stops its tasks and records the session instead of dying mid-way.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED'].includes(error.code ?? '')) throw error;
  });
}

let finished = false;
// An event loop that empties while main() still waits means some promise will never settle.
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write('orch: internal error: stopped with work unfinished (a promise that never settles, likely in a plugin)\n');
  process.exitCode = 70;
});

main(process.argv.slice(2), io).then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    finished = true;
    process.stderr.write(`orch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
