// Runs the built CLI's `main` once per job, one after another, in this one process, and writes
// a JSON line per job: what the binary would have printed and returned, and how long it took.
// Spawning a process per file would make a fuzz run of hundreds of files too slow for CI; a
// sample of the same files is spawned as the real binary too (test/fuzz). A line `start` goes
// out before each job, so a job that kills the process is named by the last one.
// Usage: node runOrchBatch.mjs <jobs.json>   (jobs: [{ cwd, args }])
import { readFileSync } from 'node:fs';

const { main } = await import(new URL('../../packages/cli/dist/main.js', import.meta.url).href);
const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const warnings = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));
for (const [index, job] of jobs.entries()) {
  process.stdout.write(`${JSON.stringify({ start: index })}\n`);
  let stdout = '';
  let stderr = '';
  const io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: job.cwd, color: false };
  const started = performance.now();
  let code;
  try {
    code = await main(job.args, io);
  } catch (error) {
    stderr += `orch: internal error: ${error instanceof Error ? error.stack : String(error)}\n`;
    code = 70;
  }
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ index, code, stdout, stderr, ms, warnings: warnings.splice(0) })}\n`);
}
