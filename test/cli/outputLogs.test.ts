import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORCH_BIN, runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo, type FileTree } from '../helpers/tempRepo.js';

/**
 * `a` prints two lines; `b` (after `a`) prints a TypeScript error then a long stack trace and
 * fails while `p/b/fail` exists; `quiet` prints nothing; `c` is never run by these tests.
 */
function workspace(config = "export default { targets: { build: { dependsOn: ['^build'] } } };\n", extra: FileTree = {}): string {
  return commitAll(
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'orchestrator.config.ts': config,
      'p/a/package.json': JSON.stringify({ name: 'a', version: '1.0.0', scripts: { build: 'echo hello from a && echo second line of a' } }),
      'p/b/package.json': JSON.stringify({ name: 'b', version: '1.0.0', scripts: { build: 'node build.js' }, dependencies: { a: '*' } }),
      'p/b/build.js': [
        "const { existsSync } = require('node:fs');",
        "console.log('compiling b');",
        'if (existsSync(\'fail\')) {',
        "  console.error(\"src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\");",
        "  for (let i = 0; i < 30; i++) console.error(`    at frame${i} (file:///b/node_modules/tool/index.js:${i}:1)`);",
        '  process.exit(2);',
        '}',
        "console.log('b built');",
        '',
      ].join('\n'),
      'p/b/fail': '',
      'p/quiet/package.json': JSON.stringify({ name: 'quiet', version: '1.0.0', scripts: { build: 'node -e ""' } }),
      'p/c/package.json': JSON.stringify({ name: 'c', version: '1.0.0', scripts: { build: 'echo c' } }),
      ...extra,
    }),
  );
}

const out = (run: { stdout: string; stderr: string }): string => run.stdout + run.stderr;

describe('--output-logs (Turborepo meanings)', () => {
  it('full, new-only, errors-only, hash-only and none show what each says, a cache hit included', () => {
    const repo = workspace();
    const first = runOrch(['run', 'b#build'], repo);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('a#build: hello from a');

    // a is a cache hit from now on; b fails again (a miss: failures are not cached).
    const full = out(runOrch(['run', 'b#build', '--output-logs=full'], repo));
    expect(full).toContain('a#build: hello from a');
    expect(full).toContain('b#build: compiling b');

    const newOnly = out(runOrch(['run', 'b#build', '--output-logs=new-only'], repo));
    expect(newOnly).not.toContain('hello from a');
    expect(newOnly).toMatch(/✔ a#build \(cached local/);
    expect(newOnly).toContain('b#build: compiling b');

    const errorsOnly = out(runOrch(['run', 'b#build', '--output-logs=errors-only'], repo));
    expect(errorsOnly).not.toContain('hello from a');
    expect(errorsOnly).not.toMatch(/✔ a#build/);
    expect(errorsOnly).toContain('b#build: compiling b');
    expect(errorsOnly).toMatch(/✖ b#build failed at execute/);

    const hashOnly = out(runOrch(['run', 'b#build', '--output-logs=hash-only'], repo));
    expect(hashOnly).toMatch(/a#build: cache hit \(local\), suppressing output [0-9a-f]{16}\n/);
    expect(hashOnly).toMatch(/b#build: cache miss, executing [0-9a-f]{16}\n/);
    expect(hashOnly).not.toContain('hello from a');
    expect(hashOnly).not.toContain('b#build: compiling b');

    const none = runOrch(['run', 'b#build', '--output-logs=none'], repo);
    expect(out(none)).not.toMatch(/^(a|b)#build: /m);
    expect(out(none)).not.toMatch(/✔ a#build|✖ b#build/);
    // The summary still names the failure.
    expect(none.stderr).toMatch(/Failed: b#build at execute \(exit code 2\)/);
    expect(none.code).toBe(1);
  });

  it('a target or command sets its own outputLogs in the config; --output-logs wins over it', () => {
    const repo = workspace(
      "export default { targets: { build: { dependsOn: ['^build'], outputLogs: 'errors-only', cache: false } }, commands: { hi: { run: 'echo hi there', outputLogs: 'none' } } };\n",
    );
    rmSync(join(repo, 'p/b/fail'));
    const quiet = out(runOrch(['run', 'b#build', 'hi'], repo));
    expect(quiet).not.toContain('hello from a');
    expect(quiet).not.toContain('b built');
    expect(quiet).not.toContain('hi there');
    const given = out(runOrch(['run', 'b#build', 'hi', '--output-logs=full'], repo));
    expect(given).toContain('a#build: hello from a');
    expect(given).toContain('hi: hi there');
  });

  it('a wrong outputLogs value in the config is an error naming the values', () => {
    const repo = workspace("export default { targets: { build: { outputLogs: 'errors' } } };\n");
    const run = runOrch(['validate'], repo);
    expect(run.code).toBe(2);
    expect(out(run)).toMatch(/outputLogs/);
    expect(out(run)).toMatch(/errors-only/);
  });

  it('orch resume replays the run\'s --output-logs; given to resume, it wins', () => {
    const repo = workspace();
    expect(runOrch(['run', 'b#build', '--output-logs=errors-only'], repo).code).toBe(1);
    rmSync(join(repo, 'p/b/fail'));
    const resumed = runOrch(['resume'], repo);
    expect(resumed.code).toBe(0);
    // b ran again and succeeded: under the replayed errors-only, its output is not shown.
    expect(out(resumed)).toMatch(/Tasks: {2}1 succeeded, 1 done before \(2 total\)/);
    expect(out(resumed)).not.toMatch(/✔ b#build/);
    expect(out(resumed)).not.toContain('b built');

    writeFail(repo);
    expect(runOrch(['run', 'b#build', '--output-logs=errors-only'], repo).code).toBe(1);
    rmSync(join(repo, 'p/b/fail'));
    expect(out(runOrch(['resume', '--output-logs=full'], repo))).toContain('b#build: b built');
  });
});

function writeFail(repo: string): void {
  writeFileSync(join(repo, 'p/b/fail'), '');
}

/** Two tasks that print in turn, each waiting for the other's line: streamed output interleaves. */
function takingTurns(): string {
  const turn = (mine: string, theirs: string, first: boolean) =>
    `const fs = require('node:fs'); const wait = (f) => { while (!fs.existsSync(f)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); };` +
    `${first ? '' : `wait('../${theirs}.1');`} console.log('${mine} one'); fs.writeFileSync('../${mine}.1', '');` +
    `${first ? `wait('../${theirs}.1');` : ''} console.log('${mine} two');`;
  return commitAll(
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'orchestrator.config.ts': "export default { targets: { build: { cache: false } } };\n",
      'p/x/package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts: { build: 'node turn.js' } }),
      'p/x/turn.js': turn('x', 'y', true),
      'p/y/package.json': JSON.stringify({ name: 'y', version: '1.0.0', scripts: { build: 'node turn.js' } }),
      'p/y/turn.js': turn('y', 'x', false),
      '.gitignore': 'p/*.1\n',
    }),
  );
}

/** The task output lines, in the order printed. */
const taskLines = (text: string): string[] => text.split('\n').filter((line) => /^[xy]#build: /.test(line));

describe('held output', () => {
  it('errors-only holds at most 1 MB of a failing task, its newest lines, and says how many were let go', () => {
    const repo = workspace(undefined, {
      'p/c/package.json': JSON.stringify({ name: 'c', version: '1.0.0', scripts: { build: 'node spew.js' } }),
      'p/c/spew.js': "for (let i = 0; i < 40000; i++) console.log(`line ${i} `.padEnd(60, '.'));\nconsole.log('the end');\nprocess.exitCode = 1;\n",
    });
    // More than spawnSync's default 1 MB buffer (runOrch's) comes back.
    const run = spawnSync(process.execPath, [ORCH_BIN, 'run', 'c#build', '--output-logs=errors-only'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', CI: '' } });
    expect(run.status).toBe(1);
    const shown = run.stdout.split('\n').filter((line) => line.startsWith('c#build: line '));
    expect(shown.length).toBeGreaterThan(10_000);
    expect(shown.length).toBeLessThan(40_000);
    expect(run.stdout).toContain('c#build: the end');
    expect(run.stderr).toContain(`c#build: … ${40_000 - shown.length} earlier lines not held (orch logs c#build shows them)`);
    const log = spawnSync(process.execPath, [ORCH_BIN, 'logs', 'c#build'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    expect(log.stdout.split('\n').filter((line) => line.startsWith('line '))).toHaveLength(40_000);
  });
});

describe('--log-order', () => {
  it("grouped prints each task's output together when it ends; stream as it comes", () => {
    const grouped = runOrch(['run', 'build', '--log-order=grouped', '--concurrency', '2'], takingTurns());
    expect(grouped.code, out(grouped)).toBe(0);
    const lines = taskLines(grouped.stdout);
    expect(lines).toHaveLength(4);
    expect(lines.indexOf('x#build: x two') - lines.indexOf('x#build: x one')).toBe(1);
    expect(lines.indexOf('y#build: y two') - lines.indexOf('y#build: y one')).toBe(1);

    const stream = runOrch(['run', 'build', '--log-order=stream', '--concurrency', '2'], takingTurns());
    expect(taskLines(stream.stdout)).toHaveLength(4);
    expect(taskLines(stream.stdout).indexOf('y#build: y one')).toBeLessThan(taskLines(stream.stdout).indexOf('x#build: x two'));
  });

  it('auto (the default) is grouped when CI is set, as Turborepo, and stream otherwise', () => {
    const ci = taskLines(runOrch(['run', 'build', '--concurrency', '2'], takingTurns(), { CI: 'true' }).stdout);
    expect(ci.indexOf('x#build: x two') - ci.indexOf('x#build: x one')).toBe(1);
    const local = taskLines(runOrch(['run', 'build', '--concurrency', '2'], takingTurns(), { CI: undefined }).stdout);
    expect(local.indexOf('y#build: y one')).toBeLessThan(local.indexOf('x#build: x two'));
  });
});

describe('--log-level and --verbose', () => {
  it("choose which of orch's own messages show, never the tasks' output", () => {
    const repo = workspace();
    rmSync(join(repo, 'p/b/fail'));
    const info = out(runOrch(['run', 'a#build'], repo));
    expect(info).toMatch(/orch: session /);
    expect(info).toMatch(/orch: running 1 task/);
    expect(info).not.toMatch(/orch: plugins:/);

    const warn = out(runOrch(['run', 'a#build', '--log-level=warn', '--summarize=summary.json'], repo));
    expect(warn).not.toMatch(/orch: session |orch: running|orch: run summary/);
    expect(warn).toContain('a#build: hello from a');
    // Only the message goes: the summary is written.
    expect(JSON.parse(readFileSync(join(repo, 'summary.json'), 'utf8')).tasks).toHaveLength(1);

    const verbose = out(runOrch(['run', 'a#build', '--verbose'], repo));
    expect(verbose).toMatch(/orch: plugins: .*orch:reporter-plain/);
    expect(verbose).toMatch(/orch: found \d+ commands/);
    expect(verbose).toMatch(/a#build: cache hit \(local\), replaying output [0-9a-f]{16}/);
    expect(verbose).toMatch(/orch: a#build: execute passed in \d+ ms/);
    // A level given beside --verbose wins.
    expect(out(runOrch(['run', 'a#build', '--verbose', '--log-level=info'], repo))).not.toMatch(/orch: plugins:/);
  });
});

describe('the failure summary', () => {
  it('quotes the first error a task printed, with its line, not only the end of the stack trace after it, and names the whole log', () => {
    const repo = workspace();
    const run = runOrch(['run', 'b#build'], repo);
    expect(run.code).toBe(1);
    const summary = run.stderr.slice(run.stderr.indexOf(' Failed: b#build'));
    expect(summary).toMatch(/error \(line 2 of the log\):\n {3}│ compiling b\n {3}│ src\/index\.ts\(3,7\): error TS2322/);
    // The frames between the quoted ones and the last five are counted, not silently cut.
    expect(summary).toMatch(/ {3}│ {5}at frame3 .*\n {3}│ … 21 lines\n( {3}│ {5}at frame2[5-9] .*\n){5}/);
    expect(summary).toContain('at frame29');
    const log = /whole log: (\S+) \(orch logs b#build\)/.exec(summary)?.[1];
    expect(log).toMatch(/^\.orch\/logs\/[^/]+\/b%23build\.log$/);
    expect(readFileSync(join(repo, log!), 'utf8')).toContain('at frame29');
  });

  it('labels a thrown JavaScript error as it does a tsc error, and says how many frames of its stack trace it leaves out', () => {
    const repo = workspace(undefined, {
      'p/c/package.json': JSON.stringify({ name: 'c', version: '1.0.0', scripts: { build: 'node build.js' } }),
      'p/c/build.js': "for (let i = 1; i <= 5; i++) console.log('step ' + i);\nfunction deep(n) { return n === 0 ? undefined.prop : deep(n - 1); }\ndeep(30);\n",
    });
    const run = runOrch(['run', 'c#build'], repo);
    expect(run.code).toBe(1);
    const summary = run.stderr.slice(run.stderr.indexOf(' Failed: c#build'));
    const log = readFileSync(join(repo, /whole log: (\S+)/.exec(summary)![1]!), 'utf8').split('\n');
    const thrown = log.findIndex((line) => line.startsWith('TypeError: '));
    expect(summary).toContain(`error (line ${thrown + 1} of the log):`);
    expect(summary).toMatch(/│ TypeError: Cannot read properties of undefined/);
    // Node prints 10 frames: 3 under the error, the last 4 with the Node.js line, and the 3 between are counted.
    expect(log.filter((line) => line.startsWith('    at deep'))).toHaveLength(10);
    expect(summary.match(/│ {5}at deep/g)).toHaveLength(7);
    expect(summary).toMatch(/│ {5}at deep .*\n {3}│ … 3 lines\n {3}│ {5}at deep/);
    expect(summary).toMatch(/│ Node\.js v\d+/);
  });

  it('says what an exit code usually means', () => {
    const repo = workspace(undefined, { 'p/c/package.json': JSON.stringify({ name: 'c', version: '1.0.0', scripts: { build: 'no-such-tool-anywhere --build' } }) });
    const run = runOrch(['run', 'c#build'], repo);
    expect(run.stderr).toMatch(/Failed: c#build at execute \(exit code 127: command not found\)/);
  });
});

describe('orch logs', () => {
  it("prints a task's whole log from the newest run of it, a cache hit's replayed log too", () => {
    const repo = workspace();
    runOrch(['run', 'b#build'], repo);
    const failed = runOrch(['logs', 'b#build'], repo);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain("compiling b\nsrc/index.ts(3,7): error TS2322");
    expect(failed.stdout.match(/ {4}at frame\d+/g)).toHaveLength(30);
    expect(failed.stderr).toMatch(/orch: b#build in session \S+ \(failed at execute\): \.orch\/logs\/\S+\/b%23build\.log/);

    // a is a cache hit in the second run: its log is the cache entry's, which it replayed.
    const second = runOrch(['run', 'a#build'], repo);
    expect(second.stderr).toMatch(/cached local/);
    const hit = runOrch(['logs', 'a#build'], repo);
    expect(hit.stdout).toBe('hello from a\nsecond line of a\n');
    expect(hit.stderr).toMatch(/\(succeeded\)/);

    // --session picks an older run; --last the newest, which did not run b.
    const sessions = readdirSessions(repo);
    expect(runOrch(['logs', 'b#build', '--session', sessions[0]!], repo).stdout).toContain('error TS2322');
    const last = runOrch(['logs', 'b#build', '--last'], repo);
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/b#build did not run in session \S+: it is not part of that run/);
  });

  it('says why when there is no log: an unknown task (did you mean), one that never ran, one that printed nothing, a log removed since', () => {
    const repo = workspace();
    runOrch(['run', 'b#build', 'quiet#build'], repo);
    const typo = runOrch(['logs', 'b#biuld'], repo);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/no task 'b#biuld'/);
    expect(typo.stderr).toMatch(/did you mean 'b#build'/);

    expect(runOrch(['logs', 'c#build'], repo).stderr).toMatch(/c#build has not run in any of the 1 kept session/);
    expect(runOrch(['logs', 'quiet#build'], repo).stderr).toMatch(/quiet#build printed nothing in session/);
    expect(runOrch(['logs', 'build'], repo).stderr).toMatch(/'build' names \d+ tasks: /);

    rmSync(join(repo, '.orch', 'logs'), { recursive: true });
    expect(runOrch(['logs', 'b#build'], repo).stderr).toMatch(/the log of b#build in session \S+ \(\.orch\/logs\/\S+\) was removed/);
  });
});

describe('orch run --help', () => {
  it("explains the live view's marks, each one a reporter prints", () => {
    const help = runOrch(['run', '--help'], workspace()).stdout;
    for (const mark of ['●', '✔', '✖', '↷', '■', '⏸', '↻', '⟲', '⚠', 'gates 5/5 · 3/3', 'running · 5 queued']) expect(help).toContain(mark);
    const reporters = ['TtyReporterPlugin.ts', 'progressLine.ts', 'renderRun.ts', 'lineRenderer.ts'].map((file) => readFileSync(new URL(`../../packages/plugins/src/reporters/${file}`, import.meta.url), 'utf8')).join('\n');
    for (const mark of ['●', '✔', '✖', '↷', '■', '⏸', '↻', '⟲', '⚠', 'gates ', ' queued']) expect(reporters).toContain(mark);
  });

  it('lays the legend out at 80 columns when piped: a meaning that wraps goes on under its column, never at column 0', () => {
    const help = runOrch(['run', '--help'], workspace(), { COLUMNS: undefined }).stdout;
    const legend = help.slice(help.indexOf('The live view'), help.indexOf('Options:')).trimEnd().split('\n');
    const headings = legend.filter((line) => !line.startsWith('  '));
    expect(headings).toEqual(['The live view (in a terminal; elsewhere the same lines without the footer):', 'A line as each task ends:']);
    for (const line of legend) expect(line.length, line).toBeLessThanOrEqual(80);
    const column = legend[1]!.indexOf('a running task');
    for (const line of legend.filter((l) => /^ {3}/.test(l))) expect(line.search(/\S/), line).toBe(column);
    expect(legend).toContain(`  2 running · 5 queued${' '.repeat(column - 22)}running now; waiting for a dependency or a free slot`);
  });

  it('is laid out for COLUMNS when it is set, as when piped to a pager', () => {
    const help = runOrch(['run', '--help'], workspace(), { COLUMNS: '120' }).stdout;
    expect(help).toMatch(/\n {6}--concurrency <n> +how many tasks run at once: a number, or a percentage of the cores \(default: the\n/);
    expect(help).toContain('succeeded; restored from the local (or remote) cache; of each gate stage that ran (quality\n');
  });
});

function readdirSessions(repo: string): string[] {
  return readdirSync(join(repo, '.orch', 'logs')).sort();
}
