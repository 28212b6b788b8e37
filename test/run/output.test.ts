import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    // Replayed as recorded: the same bytes on the same streams, so the same lines on orch's
    // stdout and stderr; the entry's log is the hit's log, not copied into the run's folder.
    expect(existsSync(join(dir, '.orch', 'logs', sessionOf(hit.stderr), `${encodeURIComponent('noisy#build')}.log`))).toBe(false);
    expect(hit.stdout.equals(first.stdout)).toBe(true);
    const taskLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('noisy#build: '));
    expect(taskLines(hit.stderr)).toEqual(taskLines(first.stderr));
  });

  it('the failure summary shows the last lines and where the whole log is, however long a line gets', () => {
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
    const logPath = /whole log: (\S+)/.exec(summary)![1]!;
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

/**
 * Writes `HELD_MB` megabytes of numbered 1 KB lines (`<n> xxx…`) to stdout, waiting for each write
 * to drain, and records how many bytes it has written so far in `progress` after each 256 KB.
 */
const HELD = `const fs = require('fs');
const total = Number(process.env.HELD_MB) * 1024 * 1024;
let sent = 0;
let n = 0;
function more() {
  while (sent < total) {
    let chunk = '';
    for (let i = 0; i < 256; i++) chunk += (String(n++) + ' ').padEnd(1023, 'x') + '\\n';
    sent += chunk.length;
    fs.writeFileSync('progress', String(sent));
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', more);
  }
}
more();
`;

/** The same as a module task (a worker thread): every write goes through orch's channel. */
const HELD_MODULE = `import { writeFileSync } from 'node:fs';
export default () => {
  const total = Number(process.env.HELD_MB) * 1024 * 1024;
  let n = 0;
  for (let sent = 0; sent < total; ) {
    let chunk = '';
    for (let i = 0; i < 256; i++) chunk += (String(n++) + ' ').padEnd(1023, 'x') + '\\n';
    sent += chunk.length;
    writeFileSync('progress', String(sent));
    process.stdout.write(chunk);
  }
};
`;

/** Starts orch with nothing reading its stdout yet (its stderr is read); `read()` starts reading it. */
function startUnread(dir: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [ORCH_BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    pid: child.pid!,
    stderr: () => stderr,
    /** Reads orch's stdout from now on, to its end. */
    async read(): Promise<{ code: number; stdout: Buffer }> {
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      return { code: await exited, stdout: Buffer.concat(chunks) };
    },
  };
}

/** Polls `value` until it has not changed for `quietMs` (or reached `done`); returns it. */
async function settled(value: () => number, done: number, quietMs = 1500): Promise<number> {
  const deadline = Date.now() + 60_000;
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs && last < done) {
    if (Date.now() > deadline) throw new Error('the value never settled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = value();
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return last;
}

/** Every line `<task>: <n> xxx…`, numbered from 0 without a gap, `count` of them. */
function expectNumberedLines(stdout: Buffer, task: string, count: number): void {
  const lines = stdout.toString().split('\n').filter((line) => line.startsWith(`${task}: `));
  expect(lines).toHaveLength(count);
  lines.forEach((line, i) => {
    if (!line.startsWith(`${task}: ${i} x`)) expect(line.slice(0, 40), `line ${i}`).toBe(`${task}: ${i} x`);
  });
}

describe('task output and a slow reader of orch (backpressure)', () => {
  const TOTAL_MB = 48;
  const heldRepo = () =>
    commitAll(
      tempRepo({
        '.gitignore': '.orch/\nprogress\n',
        'held.cjs': HELD,
        'held.mjs': HELD_MODULE,
        'orchestrator.config.json': JSON.stringify({
          commands: { shell: { run: 'node held.cjs', inputs: ['held.cjs'], env: ['HELD_MB'] }, module: { module: 'held.mjs', inputs: ['held.mjs'], env: ['HELD_MB'] } },
        }),
      }),
    );
  const progress = (dir: string) => (existsSync(join(dir, 'progress')) ? Number(readFileSync(join(dir, 'progress'), 'utf8') || 0) : 0);

  for (const task of ['shell', 'module']) {
    it(`while orch's stdout is not read, a ${task} task printing into it is held; once read, every line arrives in order`, async () => {
      const dir = heldRepo();
      const orch = startUnread(dir, ['run', task, '--reporter', 'plain'], { HELD_MB: String(TOTAL_MB) });
      // Held by orch's full pipe: far from its 48 MB (what orch, the pipes and the task buffer).
      const written = await settled(() => progress(dir), TOTAL_MB * MB);
      expect(written, orch.stderr()).toBeLessThan(16 * MB);
      const { code, stdout } = await orch.read();
      expect(code, orch.stderr()).toBe(0);
      expectNumberedLines(stdout, task, TOTAL_MB * 1024);
    }, 120_000);
  }

  it("a cache hit's log replay is held too: it reads the entry's log only as fast as orch's stdout is read", async () => {
    const dir = heldRepo();
    const env = { HELD_MB: String(TOTAL_MB) };
    expect(orchToFiles(dir, ['run', 'shell', '--reporter', 'plain'], env).code).toBe(0);
    const log = join(cacheEntries(dir)[0]!, 'output.log');
    const orch = startUnread(dir, ['run', 'shell', '--reporter', 'plain'], env);
    // How far orch has read the entry's log: the offset of its open file (all of it once closed).
    const replayed = (): number => {
      for (const fd of existsSync(`/proc/${orch.pid}/fd`) ? readdirSync(`/proc/${orch.pid}/fd`) : []) {
        const target = (() => {
          try {
            return readlinkSync(`/proc/${orch.pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })();
        if (target === log) return Number(/pos:\s+(\d+)/.exec(readFileSync(`/proc/${orch.pid}/fdinfo/${fd}`, 'utf8'))![1]);
      }
      return orch.stderr().includes('cached local') ? statSync(log).size : 0;
    };
    const read = await settled(replayed, statSync(log).size);
    expect(read, orch.stderr()).toBeLessThan(16 * MB);
    const { code, stdout } = await orch.read();
    expect(code, orch.stderr()).toBe(0);
    expect(orch.stderr()).toContain('cached local');
    expectNumberedLines(stdout, 'shell', TOTAL_MB * 1024);
  }, 120_000);
});
