import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskRecords } from '../../packages/plugins/src/state/TaskRecords.js';
import { exampleRepo, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

const ndjson = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });

describe('orch run on the bundled example', () => {
  it('runs the ci workflow end to end: every package built in dependency order, tested, verified', async () => {
    const dir = exampleRepo();
    const run = runOrch(['run', 'ci'], dir);
    expect(run.stderr).toContain('Tasks:  11 succeeded (11 total)');
    expect(run.code).toBe(0);
    for (const pkg of ['utils', 'core', 'web']) expect(readFileSync(join(dir, 'packages', pkg, 'dist', 'index.js'), 'utf8')).toContain('module.exports.check');
    expect(run.stdout).toContain('@demo/web#test: @demo/web: 1 passed, 0 failed');
    expect(run.stdout).toContain('quality/verify: verifying the build outputs');
    // persist: completion markers (records in one file), durations for next time, metrics lines
    expect(readdirSync(join(dir, '.orch', 'records'))).toEqual(['base.jsonl']);
    expect(await new TaskRecords(join(dir, '.orch')).get('completed', '@demo/web#build')).toEqual(expect.objectContaining({ id: '@demo/web#build', hash: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    expect(Object.keys(JSON.parse(readFileSync(join(dir, '.orch', 'durations.json'), 'utf8')))).toHaveLength(11);
    const metricsFile = readdirSync(join(dir, '.orch', 'metrics'))[0]!;
    const metrics = readFileSync(join(dir, '.orch', 'metrics', metricsFile), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(11);
    expect(metrics[0]).toEqual(expect.objectContaining({ command: expect.any(String), session: expect.any(String), execution_time: expect.any(Number), memory_usage: expect.any(Number), agent_count: 0, status: 'completed' }));
  });

  it('--dry-run shows the plan and why each task runs, and runs nothing', () => {
    const dir = exampleRepo();
    const run = runOrch(['run', 'release', '--dry-run', '--concurrency', '3'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('6 tasks in order, concurrency 3:');
    expect(run.stdout).toContain("release/execute  requested as 'release'");
    expect(run.stdout).toContain('@demo/web#build  needed by quality/verify (build)');
    expect(existsSync(join(dir, 'packages', 'web', 'dist'))).toBe(false);
    const json = JSON.parse(runOrch(['run', 'release', '--dry-run', '--json'], dir).stdout) as { tasks: { id: string }[] };
    expect(json.tasks.map((t) => t.id).at(-1)).toBe('release/execute');
  });

  it('--only runs the named task alone, and only once its dependencies have completed before', () => {
    const dir = exampleRepo();
    const refused = runOrch(['run', '@demo/core#build', '--only'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Failed: @demo/core#build at dependencies: unsatisfied dependency @demo/utils#build: never completed; run `orch run @demo/utils#build` first');
    expect(runOrch(['run', '@demo/utils#build'], dir).code).toBe(0);
    const ok = runOrch(['run', '@demo/core#build', '--only', '--json'], dir);
    expect(ok.code).toBe(0);
    const finished = ndjson(ok.stdout).filter((e) => e.type === 'task-finished');
    expect(finished.map((e) => (e.outcome as { id: string }).id)).toEqual(['@demo/core#build']);
  });

  it('--json prints every event as NDJSON', () => {
    const dir = exampleRepo();
    const run = runOrch(['run', '@demo/utils#test', '--json'], dir);
    expect(run.code).toBe(0);
    const events = ndjson(run.stdout);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['run-started', 'task-started', 'task-stage', 'task-output', 'task-step', 'task-finished', 'run-finished']) expect(types).toContain(type);
    const stages = events.filter((e) => e.type === 'task-stage' && e.id === '@demo/utils#test').map((e) => e.stage);
    expect(stages).toEqual(['triage', 'dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist']);
  });
});

describe('failures and --continue', () => {
  const repo = () =>
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'echo compiling lib && echo "lib: syntax error at x.ts:3" >&2 && exit 3' } }),
      'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'echo app built' } }),
      'p/docs/package.json': JSON.stringify({ name: 'docs', scripts: { build: 'sleep 0.3 && echo docs built' } }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
    });

  it('reports a failing task with its exit code and last lines, and exits 1', () => {
    const run = runOrch(['run', 'lib#build'], repo());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Failed: lib#build at execute (exit code 3)');
    expect(run.stderr).toContain('│ lib: syntax error at x.ts:3');
    expect(run.stdout).toContain('lib#build: compiling lib');
  });

  it('never (default): stops starting tasks after a failure', () => {
    const run = runOrch(['run', 'build', '--concurrency', '1'], repo());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/↷ app#build not started: lib#build failed/);
  });

  it('dependencies-successful: skips only the dependents of the failure', () => {
    const run = runOrch(['run', 'build', '--continue=dependencies-successful', '--concurrency', '1'], repo());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('docs#build: docs built');
    expect(run.stdout).not.toContain('app built');
    expect(run.stderr).toContain('Tasks:  1 succeeded, 1 failed, 1 skipped (3 total)');
  });

  it('always (bare --continue): runs dependents of a failure too', () => {
    const run = runOrch(['run', 'build', '--continue'], repo());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('app#build: app built');
    expect(run.stderr).toContain('Tasks:  2 succeeded, 1 failed (3 total)');
  });

  it.each([
    [['run', 'build', '--continue=sometimes'], '--continue sometimes: expected one of never, dependencies-successful or always'],
    [['run', 'build', '--concurrency', 'lots'], '--concurrency lots: expected a number of tasks (1 or more) or a percentage of the cores'],
    [['run'], 'name at least one command'],
    [['run', 'biuld'], "unknown command 'biuld'"],
  ])('refuses %j with exit 2', (args, message) => {
    const run = runOrch(args, repo());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
