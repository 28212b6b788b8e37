import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ORCH_BIN, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// Issue 14, parts 1 and 2: `orch status` (the reference design's dashboard) on live, finished,
// failed and interrupted sessions, and metrics lines that measure the task, not orch.

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));

/** A task that runs until the test creates `release` in the repository: no timing involved. */
const WAIT_FOR_RELEASE = `node -e "const f=require('fs');(function w(){f.existsSync('../../release')?0:setTimeout(w,20)})()"`;

function workspace(build: Record<string, string>, dependencies: Record<string, string[]> = {}): string {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
  };
  for (const [name, script] of Object.entries(build)) {
    files[`p/${name}/package.json`] = JSON.stringify({ name, version: '1.0.0', scripts: { build: script }, dependencies: Object.fromEntries((dependencies[name] ?? []).map((d) => [d, '*'])) });
  }
  const repo = tempRepo(files);
  commitAll(repo);
  return repo;
}

function sessionLogHas(repo: string, text: string): boolean {
  const sessions = join(repo, '.orch', 'sessions');
  return existsSync(sessions) && readdirSync(sessions).some((id) => existsSync(join(sessions, id, 'events.jsonl')) && readFileSync(join(sessions, id, 'events.jsonl'), 'utf8').includes(text));
}

function statusJson(repo: string, ...args: string[]): any {
  const run = runOrch(['status', ...args, '--json'], repo);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

/** `orch status --watch` in a real pseudo-terminal (util-linux `script`), its output as it comes. */
function watchInTerminal(repo: string) {
  const child = spawn('script', ['-qfec', `${process.execPath} ${ORCH_BIN} status --watch`, '/dev/null'], { cwd: repo, env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { exited, output: () => output };
}

describe('orch status', () => {
  it('--watch follows a live run from another terminal without disturbing it, and ends with the run', async () => {
    const repo = workspace({ a: WAIT_FOR_RELEASE, b: 'node -e "console.log(1)"' }, { b: ['a'] });
    const run = startOrch(['run', 'build', '--concurrency', '2'], repo);
    await waitFor(() => sessionLogHas(repo, '"task-process"'), 30_000, 'a#build to start its process');
    const watch = watchInTerminal(repo);
    await waitFor(() => /a#build {2}stage execute .* pid \d+/.test(watch.output()) && /b#build waits for a#build/.test(watch.output()), 30_000, 'a frame with a#build running');
    // The frame shows the task's process as measured now, and the work still queued.
    expect(watch.output()).toMatch(/Status: {4}running \(held by a live orch process\)/);
    expect(watch.output()).toMatch(/tasks 2: 0 done, 1 running, 1 queued/);
    writeFileSync(join(repo, 'release'), '');
    const [result, watchCode] = await Promise.all([run.exited, watch.exited]);
    expect(result.code).toBe(0);
    expect(watchCode).toBe(0);
    // Each refresh clears the terminal; the last frame is the finished session.
    const frames = watch.output().split('\u001b[H\u001b[2J').filter(Boolean);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.at(-1)).toMatch(/Status: {4}completed/);
    expect(frames.at(-1)).toMatch(/tasks 2: 2 done, 0 running, 0 not run, 0 failed, 0 cached/);
    expect(frames.at(-1)).toMatch(/critical path: a#build → b#build/);
  }, 120_000);

  it('shows a failed session: the failure and where, and what never ran', () => {
    const repo = workspace({ a: 'node -e "process.exit(3)"', b: 'node -e "1"' }, { b: ['a'] });
    expect(runOrch(['run', 'build'], repo).code).toBe(1);
    const view = statusJson(repo);
    expect(view.session.status).toBe('failed');
    expect(view.metrics).toMatchObject({ tasks: 2, done: 0, running: 0, failed: 1 });
    expect(view.metrics.queued + view.metrics.skipped).toBe(1);
    expect(view.failures).toEqual([{ id: 'a#build', stage: 'execute', error: 'exited with code 3' }]);
    expect(view.active).toEqual([]);
    const text = runOrch(['status'], repo).stdout;
    expect(text).toContain('FAILED a#build at execute: exited with code 3');
    expect(text).toMatch(/tasks 2: 0 done, 0 running, \d not run, 1 failed/);
  });

  it('shows a session whose orch was killed as interrupted, its running task cut short', async () => {
    const repo = workspace({ a: WAIT_FOR_RELEASE });
    const run = startOrch(['run', 'build'], repo);
    await waitFor(() => sessionLogHas(repo, '"task-process"'), 30_000, 'a#build to start its process');
    run.child.kill('SIGKILL');
    await run.exited;
    writeFileSync(join(repo, 'release'), '');
    const view = statusJson(repo, '--last');
    expect(view.session.status).toBe('interrupted');
    expect(view.metrics).toMatchObject({ tasks: 1, running: 0, cancelled: 0, interrupted: 1 });
    expect(view.active).toEqual([]);
    expect(runOrch(['status', '--last'], repo).stdout).toMatch(/tasks 1: 0 done, 0 running, 0 not run, 0 failed, 0 cached, 1 interrupted/);
  }, 60_000);

  it('shows a paused session: the task awaiting a person and the gate that stopped it', () => {
    const repo = tempRepo({
      'orchestrator.config.json': JSON.stringify({ complexityBudget: 1, commands: { big: { run: 'echo big', complexity: 'medium' }, after: { run: 'echo after', dependencies: ['big'] } } }),
    });
    expect(runOrch(['run', 'after'], repo).code).toBe(75);
    const view = statusJson(repo);
    expect(view.session.status).toBe('awaiting-intervention');
    expect(view.metrics).toMatchObject({ tasks: 2, done: 0, running: 0, cancelled: 1 });
    expect(view.gates.problems).toContainEqual(expect.objectContaining({ task: 'big', stage: 'preGates', gate: 'orch:complexity-budget', status: 'fail' }));
    expect(runOrch(['status'], repo).stdout).toMatch(/FAIL big preGates\/orch:complexity-budget: /);
  });

  it('shows each agent process: role, model, state, turns and cost', () => {
    const repo = tempRepo({
      '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: reviews\nmodel: opus\n---\nYou review code carefully.\n',
      '.claude/agents/tester.md': '---\nname: tester\ndescription: tests\n---\nYou write tests.\n',
      '.claude/commands/audit.md': '---\ndescription: audit\nagents: [reviewer, tester]\n---\nAudit the code\n',
      'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE } }),
    });
    expect(runOrch(['run', 'audit'], repo).code).toBe(0);
    const agents = statusJson(repo).agents.map((a: any) => [a.task, a.role, a.model, a.state, a.turns, a.costUsd]).sort();
    expect(agents).toEqual([
      ['audit', 'reviewer', 'opus', 'succeeded', 3, 0.0123],
      ['audit', 'tester', undefined, 'succeeded', 3, 0.0123],
    ]);
    expect(runOrch(['status'], repo).stdout).toContain('audit  reviewer (opus)  succeeded  3 turns  $0.0123');
  });

  it('names a session that does not exist, with the close ones', () => {
    const repo = workspace({ a: 'node -e "1"' });
    runOrch(['run', 'build'], repo);
    const result = runOrch(['status', 'nope'], repo);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no session 'nope'/);
  });
});

describe('metrics lines', () => {
  it("record the task's own peak memory and CPU time, its stages and cache outcome", () => {
    // The task's process tree: a shell, and under it a node that fills 200 MB and keeps it for a
    // while (its own peak, VmHWM, stays in /proc for any later sample to read).
    const repo = workspace({ a: `sh -c "node -e \\"const b=Buffer.alloc(200*1024*1024,1);let s=0;for(let i=0;i<2e7;i++)s+=b[i%b.length];setTimeout(()=>console.log(s>0,b.length),1500)\\""` });
    expect(runOrch(['run', 'build'], repo).code).toBe(0);
    expect(runOrch(['run', 'build'], repo).code).toBe(0);
    const folder = join(repo, '.orch', 'metrics');
    const lines = readdirSync(folder).flatMap((file) => readFileSync(join(folder, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    expect(lines).toHaveLength(2);
    const [ran, hit] = lines;
    expect(ran).toMatchObject({ command: 'a#build', status: 'completed', cache: 'miss', exit_code: 0 });
    expect(ran.memory_usage).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    expect(ran.cpu_time).toBeGreaterThan(0);
    expect(Object.keys(ran.stages)).toEqual(expect.arrayContaining(['deploy', 'execute', 'persist']));
    expect(ran.session_id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    // A hit ran no process: nothing was measured, rather than orch's own memory.
    expect(hit).toMatchObject({ command: 'a#build', cache: 'hit', cached: 'local', hash: ran.hash });
    expect(hit.memory_usage).toBeUndefined();
  }, 60_000);
});

describe('orch metrics', () => {
  it('summarises the history: a task that failed then passed on the same hash is flaky, hits are counted apart from runs', () => {
    const marker = join(tempRepo({}, { git: false }), 'ran-once');
    const repo = workspace({
      flaky: `node -e "const f=require('fs'),p=process.argv[1];if(!f.existsSync(p)){f.writeFileSync(p,'');process.exit(1)}" ${marker}`,
      steady: 'node -e "1"',
    });
    expect(runOrch(['run', 'build', '--continue'], repo).code).toBe(1);
    expect(runOrch(['run', 'build'], repo).code).toBe(0);
    const summary = JSON.parse(runOrch(['metrics', '--json'], repo).stdout);
    expect(summary.flaky).toEqual(['flaky#build']);
    const byId = Object.fromEntries(summary.tasks.map((t: any) => [t.id, t]));
    expect(byId['flaky#build']).toMatchObject({ runs: 2, executions: 2, failures: 1, cacheHitRate: 0, flaky: true });
    // steady ran once, then came from the cache.
    expect(byId['steady#build']).toMatchObject({ runs: 2, executions: 1, failures: 0, cacheHitRate: 0.5, flaky: false });
    expect(summary.latestRuns).toHaveLength(2);
    expect(summary.latestRuns[0].status).toBe('completed');
    const text = runOrch(['metrics'], repo).stdout;
    expect(text).toContain('Flaky (failed, then passed with the same hash): flaky#build');
    expect(runOrch(['metrics', '--since', 'soon'], repo).stderr).toContain('expected a duration such as 7d');
  }, 60_000);
});
