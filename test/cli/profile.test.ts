import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, exampleRepo, tempRepo } from '../helpers/tempRepo.js';

// Issue 14, part 3: `--profile <file>` writes a trace in the Chrome trace event format; checked
// by parsing it as Perfetto does (complete slices nest on their track).

type TraceEvent = { name: string; ph: string; tid: number; ts: number; dur?: number; cat?: string; id?: number; args?: any };

function readTrace(path: string): TraceEvent[] {
  const trace = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: TraceEvent[] };
  expect(Array.isArray(trace.traceEvents)).toBe(true);
  return trace.traceEvents;
}

const inside = (inner: TraceEvent, outer: TraceEvent): boolean => inner.ts >= outer.ts && inner.ts + (inner.dur ?? 0) <= outer.ts + outer.dur!;

/** What every trace must hold: each planned task once, as a complete slice inside the run's span, its stages nested, no two tasks on a slot at once. */
function checkTrace(events: TraceEvent[], tasks: string[]): { slices: Map<string, TraceEvent>; nested: (task: TraceEvent) => TraceEvent[] } {
  const run = events.find((e) => e.ph === 'X' && e.name === 'run' && e.tid === 0)!;
  expect(run).toBeDefined();
  expect(events.some((e) => e.tid === 0 && e.ph === 'X' && e.name.startsWith('start-up') && e.ts === 0)).toBe(true);
  const taskSlices = events.filter((e) => e.ph === 'X' && e.cat?.split(',').includes('task'));
  expect(taskSlices.map((e) => e.name).sort()).toEqual([...tasks].sort());
  const slices = new Map(taskSlices.map((e) => [e.name, e]));
  for (const slice of taskSlices) {
    expect(slice.tid).toBeGreaterThan(0);
    expect(inside(slice, run), `${slice.name} inside the run`).toBe(true);
  }
  const nested = (task: TraceEvent): TraceEvent[] => events.filter((e) => e !== task && e.tid === task.tid && e.ph === 'X' && inside(e, task));
  for (const slice of taskSlices) {
    const others = taskSlices.filter((o) => o !== slice && o.tid === slice.tid);
    for (const other of others) expect(other.ts >= slice.ts + slice.dur! || other.ts + other.dur! <= slice.ts, `${slice.name} and ${other.name} apart on slot ${slice.tid}`).toBe(true);
  }
  // Every slice on a slot track is a task or nests inside one.
  for (const slice of events.filter((e) => e.ph === 'X' && e.tid > 0 && !e.cat?.split(',').includes('task'))) {
    expect(taskSlices.some((t) => t.tid === slice.tid && inside(slice, t)), `${slice.name} inside a task`).toBe(true);
  }
  // Tracks are named: orch's, and one per slot used.
  const named = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid));
  for (const slice of taskSlices) expect(named.has(slice.tid)).toBe(true);
  return { slices, nested };
}

describe('--profile', () => {
  it('traces a cold run and a cached one of the example monorepo: slots, tasks, stages, gates, restores, hashing', () => {
    const repo = exampleRepo();
    const tasks = JSON.parse(runOrch(['graph', 'build', 'test', '--json'], repo).stdout).order as string[];
    const cold = runOrch(['run', 'build', 'test', '--profile', 'cold.json'], repo);
    expect(cold.code).toBe(0);
    expect(cold.stderr).toContain('orch: profile: cold.json');
    const coldEvents = readTrace(join(repo, 'cold.json'));
    const { slices, nested } = checkTrace(coldEvents, tasks);
    for (const task of slices.values()) {
      const stages = nested(task).map((s) => s.name);
      expect(stages).toContain('execute');
      expect(stages.some((s) => /^preGates \(\d+ gates?\)$/.test(s)), `${task.name}'s gate check`).toBe(true);
      expect(task.args).toMatchObject({ status: 'succeeded', cache: 'miss' });
    }
    // Hashing and cache lookups on orch's async track: one begin and one end per task.
    const hashing = coldEvents.filter((e) => e.cat === 'hashing');
    expect(hashing.filter((e) => e.ph === 'b').map((e) => e.args.task).sort()).toEqual([...tasks].sort());
    expect(hashing.filter((e) => e.ph === 'e')).toHaveLength(tasks.length);

    expect(runOrch(['run', 'build', 'test', '--profile', 'out/warm.json'], repo).code).toBe(0);
    const warm = checkTrace(readTrace(join(repo, 'out', 'warm.json')), tasks);
    for (const task of warm.slices.values()) {
      expect(task.cat).toBe('task,cache');
      expect(warm.nested(task).some((s) => s.name === 'restore from local cache'), `${task.name} restored`).toBe(true);
    }
  }, 120_000);

  it('on resume: the tasks the resume ran', () => {
    const repo = tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
      'p/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'node -e "process.exit(require(\'fs\').existsSync(\'../../fixed\')?0:1)"' } }),
      'p/b/package.json': JSON.stringify({ name: 'b', dependencies: { a: '*' }, scripts: { build: 'node -e "1"' } }),
    });
    commitAll(repo);
    expect(runOrch(['run', 'build'], repo).code).toBe(1);
    writeFileSync(join(repo, 'fixed'), '');
    const resumed = runOrch(['resume', '--profile', 'resume.json'], repo);
    expect(resumed.code).toBe(0);
    checkTrace(readTrace(join(repo, 'resume.json')), ['a#build', 'b#build']);
  }, 60_000);

  it('names a file it cannot write, for --profile, --summarize and report --out alike, rather than hanging', () => {
    // Node's recursive mkdir never returns under /proc; a folder that cannot exist must fail at once.
    const repo = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands: { hello: { run: 'echo hi' } } }) });
    for (const [args, what] of [
      [['run', 'hello', '--profile', '/proc/orch-nope/trace.json'], 'the profile'],
      [['run', 'hello', '--summarize', '/proc/orch-nope/summary.json'], 'the run summary'],
      [['report', '--out', '/proc/orch-nope/report.html'], 'the report'],
    ] as const) {
      const run = runOrch([...args], repo, {}, { timeoutMs: 60_000 });
      expect(run.stderr).toContain(`orch: cannot write ${what} to /proc/orch-nope/`);
      expect(run.stderr).toContain('does not exist');
      expect(run.code).toBe(1);
    }
  }, 120_000);

  it('refuses a trace or summary path it cannot write before any task runs', () => {
    const repo = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands: { hello: { run: 'echo ran > ran.txt' } } }), 'notes.txt': 'a file, not a folder\n' });
    execFileSync('mkfifo', [join(repo, 'pipe.json')]);
    for (const [args, what, why] of [
      [['run', 'hello', '--profile', 'notes.txt/trace.json'], 'the profile', 'is not a folder'],
      [['run', 'hello', '--summarize=notes.txt/summary.json'], 'the run summary', 'is not a folder'],
      [['run', 'hello', '--profile', 'pipe.json'], 'the profile', 'it exists and is not a regular file'],
    ] as const) {
      const run = runOrch([...args], repo, {}, { timeoutMs: 60_000 });
      expect(run.stderr).toContain(`orch: cannot write ${what} to ${join(repo, args.at(-1)!.replace(/^--summarize=/, ''))}: `);
      expect(run.stderr).toContain(why);
      expect(existsSync(join(repo, 'ran.txt'))).toBe(false);
      expect(run.code).not.toBe(0);
    }
  }, 120_000);

  it('never replaces a device, pipe or folder it is pointed at (the atomic write renames over its target)', () => {
    const repo = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands: { hello: { run: 'echo hi' } } }) });
    execFileSync('mkfifo', [join(repo, 'pipe.json')]);
    // A session for `report` to write.
    expect(runOrch(['run', 'hello'], repo).code).toBe(0);
    for (const [args, what] of [
      [['run', 'hello', '--profile', 'pipe.json'], 'the profile'],
      [['run', 'hello', '--summarize=pipe.json'], 'the run summary'],
      [['report', '--out', 'pipe.json'], 'the report'],
    ] as const) {
      const run = runOrch([...args], repo, {}, { timeoutMs: 60_000 });
      expect(run.stderr).toMatch(new RegExp(`orch: cannot write ${what} to \\S*pipe\\.json: it exists and is not a regular file`));
      expect(run.code).toBe(1);
      expect(lstatSync(join(repo, 'pipe.json')).isFIFO()).toBe(true);
    }
  }, 120_000);
});
