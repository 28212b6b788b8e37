import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { ORCH_BIN } from '../helpers/runOrch.js';

const MB = 1024 * 1024;

/**
 * Prints `SPEW_MB` megabytes: coloured stdout lines with a stderr line every 64 KB or so (the two
 * pipes interleave as the OS delivers them), waiting for each pipe to drain, then `SPEW_LAST` on
 * stderr and exits with `SPEW_EXIT`. With `SPEW_ENDLESS` the stdout is one line without a newline.
 */
const SPEW = `const total = Number(process.env.SPEW_MB) * 1024 * 1024;
const line = process.env.SPEW_ENDLESS ? 'y'.repeat(1000) : '\\u001b[32mok\\u001b[39m ' + 'x'.repeat(1000) + '\\n';
let sent = 0;
let n = 0;
function more() {
  while (sent < total) {
    const chunk = line.repeat(64);
    sent += chunk.length;
    if (++n % 3 === 0) process.stderr.write('warning ' + n + '\\n');
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', more);
  }
  process.stderr.write((process.env.SPEW_LAST || '').replace(/\\|/g, '\\n'), () => { process.exitCode = Number(process.env.SPEW_EXIT || 0); });
}
more();
`;

function noisyRepo(): string {
  return commitAll(
    tempRepo({
      '.gitignore': '.orch/\ndist/\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/noisy/package.json': JSON.stringify({ name: 'noisy', scripts: { build: 'node ../../spew.cjs && mkdir -p dist && echo built > dist/out.txt' } }),
      'spew.cjs': SPEW,
      'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'], env: ['SPEW_MB', 'SPEW_EXIT', 'SPEW_LAST', 'SPEW_ENDLESS'] } } }),
    }),
  );
}

/** Runs orch with its stdout and stderr going to files (tens of MB: no pipe buffers in the test). */
function orchToFiles(dir: string, args: string[], env: Record<string, string>): { code: number; stdout: Buffer; stderr: string } {
  const out = join(tempRepo({}, { git: false }), 'out');
  const fds = [openSync(`${out}.stdout`, 'w'), openSync(`${out}.stderr`, 'w')];
  try {
    const result = spawnSync(process.execPath, [ORCH_BIN, ...args], { cwd: dir, stdio: ['ignore', fds[0]!, fds[1]!], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env } });
    return { code: result.status ?? -1, stdout: readFileSync(`${out}.stdout`), stderr: readFileSync(`${out}.stderr`, 'utf8') };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** The task log of the newest run (`.orch/logs/<session>/`), or of the given session. */
function runLog(dir: string, session: string, task: string): { log: Buffer; streams: string } {
  const base = join(dir, '.orch', 'logs', session, encodeURIComponent(task));
  return { log: readFileSync(`${base}.log`), streams: readFileSync(`${base}.streams`, 'utf8') };
}

/** A log's bytes split by its stream index into what went to stdout and to stderr. */
function byStream({ log, streams }: { log: Buffer; streams: string }): Record<'stdout' | 'stderr', Buffer> {
  const switches = streams.trim().split('\n').map((line) => line.split(' ') as [string, 'stdout' | 'stderr']);
  const parts: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
  switches.forEach(([offset, stream], i) => parts[stream].push(log.subarray(Number(offset), i + 1 < switches.length ? Number(switches[i + 1]![0]) : log.length)));
  return { stdout: Buffer.concat(parts.stdout), stderr: Buffer.concat(parts.stderr) };
}

const sessionOf = (stderr: string) => /orch: session (\S+)/.exec(stderr)![1]!;

function cacheEntries(dir: string): string[] {
  const root = join(dir, '.orch', 'cache');
  return readdirSync(root)
    .filter((shard) => shard.length === 2)
    .flatMap((shard) => readdirSync(join(root, shard)).map((hash) => join(root, shard, hash)));
}

describe('task output', () => {
  it('a task printing 50 MB completes; its log is in the cache entry and replays byte for byte on a hit', () => {
    const dir = noisyRepo();
    const env = { SPEW_MB: '50', SPEW_LAST: 'done' };
    const first = orchToFiles(dir, ['run', 'noisy#build', '--reporter', 'plain'], env);
    expect(first.stderr).toContain('Tasks:  1 succeeded (1 total)');
    expect(first.code).toBe(0);

    // The run's log: every byte, each tagged with its stream, colours kept.
    const recorded = runLog(dir, sessionOf(first.stderr), 'noisy#build');
    expect(recorded.log.length).toBeGreaterThan(50 * MB);
    const streams = byStream(recorded);
    expect(streams.stdout.length).toBeGreaterThanOrEqual(50 * MB);
    expect(streams.stdout.subarray(0, 23).toString()).toBe('\u001b[32mok\u001b[39m xxxxxxxxxx');
    expect(streams.stdout.toString().includes('warning')).toBe(false);
    expect(streams.stderr.toString()).toMatch(/^warning 3\nwarning 6\n[\s\S]*done$/);

    // The cache entry holds that log (no JSON copy of it).
    const [entry] = cacheEntries(dir);
    expect(readdirSync(entry!).sort()).toEqual(['files', 'meta.json', 'output.log', 'output.streams']);
    expect(readFileSync(join(entry!, 'output.log')).equals(recorded.log)).toBe(true);
    expect(JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8'))).toMatchObject({ format: 2, log: { bytes: recorded.log.length } });

    const hit = orchToFiles(dir, ['run', 'noisy#build', '--reporter', 'plain'], env);
    expect(hit.stderr).toMatch(/✔ noisy#build \(cached local, /);
    expect(hit.code).toBe(0);
    // Replayed as recorded: the same bytes on the same streams, so the same lines on orch's stdout and stderr.
    const replayed = runLog(dir, sessionOf(hit.stderr), 'noisy#build');
    expect(replayed.log.equals(recorded.log)).toBe(true);
    expect(replayed.streams).toBe(recorded.streams);
    expect(hit.stdout.equals(first.stdout)).toBe(true);
    const taskLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('noisy#build: '));
    expect(taskLines(hit.stderr)).toEqual(taskLines(first.stderr));
  });

  it('the failure summary shows the last lines and where the whole output is, however long a line gets', () => {
    const dir = noisyRepo();
    const run = orchToFiles(dir, ['run', 'noisy#build', '--reporter', 'plain'], { SPEW_MB: '20', SPEW_ENDLESS: '1', SPEW_LAST: '|error: tests failed|  at spec.ts:3|', SPEW_EXIT: '2' });
    expect(run.code).toBe(1);
    const summary = run.stderr.slice(run.stderr.indexOf(' Failed: noisy#build'));
    expect(summary).toMatch(/^ Failed: noisy#build at execute \(exit code 2\)\n/);
    expect(summary).toContain('│ error: tests failed\n');
    expect(summary).toContain('│   at spec.ts:3\n');
    // The 20 MB line without a newline: its end, cut to the summary's bound.
    expect(summary).toMatch(/│ …y{1000,}\n/);
    expect(summary.length).toBeLessThan(20_000);
    const logPath = /whole output: (\S+)/.exec(summary)![1]!;
    expect(logPath).toBe(`.orch/logs/${sessionOf(run.stderr)}/noisy%23build.log`);
    expect(statSync(join(dir, logPath)).size).toBeGreaterThan(20 * MB);
    // The live view printed the endless line in pieces, never holding it whole.
    const pieces = run.stdout.toString().split('\n').filter(Boolean);
    expect(pieces.length).toBeGreaterThan(250);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual('noisy#build: '.length + 64 * 1024);
  });

  it('a module task printing 30 MB in one synchronous loop: every write reaches its log, in order, on its stream', () => {
    const dir = tempRepo({
      'tasks/loud.mjs': "export default () => { for (let i = 0; i < 30 * 1024; i++) { process.stdout.write(`${i} `.padEnd(1023, '.') + '\\n'); if (i % 1000 === 0) process.stderr.write(`at ${i}\\n`); } }\n",
      'orchestrator.config.json': JSON.stringify({ commands: { loud: { module: 'tasks/loud.mjs' } } }),
    });
    const run = orchToFiles(dir, ['run', 'loud', '--reporter', 'silent'], {});
    expect(run.code).toBe(0);
    const streams = byStream(runLog(dir, readdirSync(join(dir, '.orch', 'logs'))[0]!, 'loud'));
    const lines = streams.stdout.toString().split('\n');
    expect(lines).toHaveLength(30 * 1024 + 1);
    lines.slice(0, -1).forEach((line, i) => expect(line.startsWith(`${i} .`)).toBe(true));
    expect(streams.stderr.toString()).toBe(Array.from({ length: 31 }, (_, k) => `at ${k * 1000}\n`).join(''));
  });

  it('an entry of the first layout (log.json) is a miss, and the new entry takes its place', () => {
    const dir = noisyRepo();
    const env = { SPEW_MB: '1' };
    expect(orchToFiles(dir, ['run', 'noisy#build'], env).code).toBe(0);
    const [entry] = cacheEntries(dir);
    const meta = JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8'));
    delete meta.format;
    delete meta.log;
    writeFileSync(join(entry!, 'meta.json'), JSON.stringify(meta));
    writeFileSync(join(entry!, 'log.json'), JSON.stringify([{ stream: 'stdout', text: 'old\n' }]));
    for (const file of ['output.log', 'output.streams']) rmSync(join(entry!, file));

    const miss = orchToFiles(dir, ['run', 'noisy#build'], env);
    expect(miss.stderr).not.toContain('cached');
    expect(miss.stderr).not.toContain('warning:');
    expect(existsSync(join(entry!, 'log.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8')).format).toBe(2);
    expect(orchToFiles(dir, ['run', 'noisy#build'], env).stderr).toContain('cached local');
  });
});
