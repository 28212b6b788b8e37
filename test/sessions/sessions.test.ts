import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskRecords } from '../../packages/plugins/src/state/TaskRecords.js';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { config, sessionEvents, sessionIds } from './helpers.js';

/** Counts its runs in `<name>.count`; fails while `<name>.fail` exists. */
const TASK = `const fs = require('fs'); const name = process.argv[2];
const file = name + '.count'; fs.writeFileSync(file, String((fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1));
if (fs.existsSync(name + '.fail')) { console.error(name + ' failed'); process.exit(1); }\n`;
const count = (dir: string, name: string) => (existsSync(join(dir, `${name}.count`)) ? Number(readFileSync(join(dir, `${name}.count`), 'utf8')) : 0);

/** `first` then `second` (which fails while second.fail exists). */
const twoTasks = () =>
  tempRepo({
    'task.js': TASK,
    'first.txt': 'input of first\n',
    'second.fail': '',
    'orchestrator.config.json': config({ commands: { first: { run: 'node task.js first', inputs: ['first.txt'] }, second: { run: 'node task.js second', dependencies: ['first'] } } }),
  });

describe('the session log', () => {
  it('records every run as a session: an event log, a snapshot, `orch sessions` and a timeline', () => {
    const dir = twoTasks();
    writeTree(dir, { 'second.fail': '' });
    const failed = runOrch(['run', 'second'], dir);
    expect(failed.code).toBe(1);
    const [id] = sessionIds(dir);
    expect(id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(failed.stderr).toContain(`Session: ${id} · \`orch resume ${id}\` continues it`);

    const events = sessionEvents(dir);
    expect(events[0]).toMatchObject({ type: 'session-started', session: { id, argv: ['run', 'second'], request: { names: ['second'] } } });
    expect(events.at(-1)!.type).toBe('run-finished');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['run-started', 'task-started', 'task-stage', 'task-step', 'task-hashed', 'task-finished']));
    expect(events.every((e) => typeof e.t === 'number')).toBe(true);
    const snapshot = JSON.parse(readFileSync(join(dir, '.orch/sessions', id!, 'snapshot.json'), 'utf8'));
    expect(snapshot).toMatchObject({ version: 2, state: { status: 'failed', tasks: { first: { status: 'succeeded' }, second: { status: 'failed' } } } });
    expect(snapshot.offset).toBe(readFileSync(join(dir, '.orch/sessions', id!, 'events.jsonl')).length);

    expect(runOrch(['sessions'], dir).stdout).toMatch(new RegExp(`${id}\\s+failed \\(resumable\\)\\s+\\S+ \\S+\\s+1/2 done\\s+orch run second`));
    const timeline = runOrch(['sessions', 'show', id!], dir).stdout;
    expect(timeline).toContain(`session ${id}: failed`);
    expect(timeline).toMatch(/\+\s*\d+ms\s+started: orch run second/);
    expect(timeline).toContain('first succeeded');
    expect(timeline).toContain('second failed at execute: exited with code 1');
    const missing = runOrch(['sessions', 'show', `${id!.slice(0, -1)}x`], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`did you mean '${id}'?`);
  });

  it('resume skips tasks that completed with an unchanged hash, re-runs those whose inputs changed, in the same session', () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    writeTree(dir, { 'second.fail': '' });
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`orch: session ${id} (resumed)`);
    expect(resumed.stderr).toContain('✔ first (done before, unchanged)');
    expect([count(dir, 'first'), count(dir, 'second')]).toEqual([1, 2]);
    expect(sessionIds(dir)).toEqual([id]);
    expect(runOrch(['resume', id!], dir).stderr).toContain(`session ${id} completed; nothing to resume`);

    // A completed task whose inputs changed is not trusted: it runs again.
    writeTree(dir, { 'second.fail': '' });
    const failed = runOrch(['run', 'second', '--force'], dir);
    expect(failed.code).toBe(1);
    // From its output: ids sort by the second they start in, and two runs may share one.
    const second = /orch: session (\S+)/.exec(failed.stderr)![1]!;
    rmSync(join(dir, 'second.fail'));
    writeTree(dir, { 'first.txt': 'changed\n' });
    const again = runOrch(['resume', second], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('first completed before, but its inputs changed since; running it again');
    expect(count(dir, 'first')).toBe(3);
  });
});

describe('faults', () => {
  it('ignores a torn last line of the log, and cuts it off before appending', () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    const log = join(dir, '.orch/sessions', id!, 'events.jsonl');
    appendFileSync(log, '{"t":1,"type":"task-fin');
    expect(runOrch(['sessions', '--json'], dir).stdout).toContain('"status": "failed"');
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.stderr).toContain('the log ended in a torn line (the process died while writing it); ignored');
    expect(resumed.code).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(() => lines.map((line) => JSON.parse(line))).not.toThrow();
    expect(count(dir, 'first')).toBe(1);
  });

  it('rebuilds a corrupt snapshot from the log', () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    writeFileSync(join(dir, '.orch/sessions', id!, 'snapshot.json'), '{"version":1,"offset":12,"checksum":"00","state":{"status":"completed"}}');
    expect(runOrch(['sessions', '--json'], dir).stdout).toContain('"status": "failed"');
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.stderr).toContain('the snapshot was corrupt; rebuilt the state from the log');
    expect(resumed.code).toBe(0);
    expect(count(dir, 'first')).toBe(1);
    // A fresh, valid snapshot replaces it.
    const snapshot = JSON.parse(readFileSync(join(dir, '.orch/sessions', id!, 'snapshot.json'), 'utf8'));
    expect(snapshot.state.status).toBe('completed');
  });

  it('takes over a stale lock left by a dead process; names a live holder', () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    const sessionDir = join(dir, '.orch/sessions', id!);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const owner = (pid: number) => JSON.stringify({ pid, host: hostname(), startedAt: '2026-11-24T00:00:00.000Z', argv: ['run', 'second'], tasks: ['first', 'second'] });
    mkdirSync(join(sessionDir, 'lock'));
    writeFileSync(join(sessionDir, 'owner.json'), owner(process.pid));
    const held = runOrch(['resume', id!], dir);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`session ${id} is still running (pid ${process.pid})`);

    writeFileSync(join(sessionDir, 'owner.json'), owner(dead));
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.code).toBe(0);
    expect(existsSync(join(sessionDir, 'lock'))).toBe(false);
  });

  it('an owner record that names no process ({}, not JSON) is a dead owner: resume takes the session over and says so', () => {
    for (const record of ['{}', '{"pid": "x", "host": 1}', 'garbage']) {
      const dir = twoTasks();
      expect(runOrch(['run', 'second'], dir).code).toBe(1);
      const [id] = sessionIds(dir);
      const sessionDir = join(dir, '.orch/sessions', id!);
      // What a killed run leaves, with its owner record damaged.
      mkdirSync(join(sessionDir, 'lock'));
      writeFileSync(join(sessionDir, 'owner.json'), record);
      rmSync(join(dir, 'second.fail'));
      const resumed = runOrch(['resume', id!], dir);
      expect(resumed.code, `${record}: ${resumed.stderr}`).toBe(0);
      expect(resumed.stderr).toContain(`orch: session ${id}: its owner record (owner.json) names no process, so its owner is taken for dead; taking the session over`);
      expect(resumed.stderr).not.toContain('undefined');
      expect(existsSync(join(sessionDir, 'lock'))).toBe(false);
    }
  });

  it('a claim the dead process of a session left is cleared when the session is resumed: the next run does not take it over', () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    // As a kill -9 after `first` completed, before its claim was released, leaves it.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const claims = join(dir, '.orch/claims');
    mkdirSync(join(claims, 'first.lock'), { recursive: true });
    writeFileSync(join(claims, 'first.owner.json'), JSON.stringify({ pid: dead, startTime: 1, host: hostname(), session: id }));
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/✔ first \(done before/);
    expect(readdirSync(claims)).toEqual([]);
    const next = runOrch(['run', 'second'], dir);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('which died');
  });

  it('two processes: the second waits for the task the first runs and takes its result from the cache; what they do not share is not held up', async () => {
    const dir = tempRepo({
      'orchestrator.config.json': config({
        commands: { slow: { run: `node -e "require('fs').appendFileSync('slow.log', 'ran\\n'); setTimeout(() => {}, 2500)"`, inputs: [] }, other: { run: 'node -e 0' } },
      }),
    });
    const first = startOrch(['run', 'slow'], dir);
    await waitFor(() => existsSync(join(dir, 'slow.log')), 15_000, 'the first run of slow');
    const second = runOrch(['run', 'slow'], dir);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/orch: waiting for slow, running in session \S+ \(pid \d+\)/);
    expect(second.stderr).toMatch(/✔ slow \(cached local/);
    expect(runOrch(['run', 'other'], dir).code).toBe(0);
    expect((await first.exited).code).toBe(0);
    expect(readFileSync(join(dir, 'slow.log'), 'utf8')).toBe('ran\n');
    const timelines = sessionIds(dir).map((id) => runOrch(['sessions', 'show', id], dir).stdout);
    expect(timelines.filter((timeline) => /slow waited for session \S+ \(pid \d+\), which was running it/.test(timeline))).toHaveLength(1);
  });

  it('a full disk while writing the log stops the run before any task executes, naming the file', () => {
    const dir = tempRepo({ 'orchestrator.config.json': config({ commands: { work: { run: 'node -e "require(\'fs\').writeFileSync(\'ran.txt\', \'\')"' } } }) });
    // /dev/full: every write fails with ENOSPC, as on a full disk.
    mkdirSync(join(dir, '.orch/sessions/full'), { recursive: true });
    symlinkSync('/dev/full', join(dir, '.orch/sessions/full/events.jsonl'));
    const run = runOrch(['run', 'work'], dir, { ORCH_SESSION_ID: 'full' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('events.jsonl: no space left on device (ENOSPC); the run was stopped so its state stays consistent');
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    expect(existsSync(join(dir, '.orch/records'))).toBe(false);
    expect(existsSync(join(dir, '.orch/sessions/full/lock'))).toBe(false);
  });

  it('a child killed by a signal fails its task with the signal; resume runs it again', () => {
    const dir = tempRepo({
      'task.js': TASK,
      'orchestrator.config.json': config({
        commands: {
          first: { run: 'node task.js first', inputs: ['task.js'] },
          killed: { run: `node -e "const fs=require('fs'); if (!fs.existsSync('survive')) { fs.writeFileSync('survive',''); process.kill(process.pid, 'SIGKILL') }"`, dependencies: ['first'], inputs: [] },
        },
      }),
    });
    const run = runOrch(['run', 'killed'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Failed: killed at execute (exit code 137: killed by SIGKILL, often out of memory)');
    expect(run.stderr).toContain('exited with code 137 (SIGKILL)');
    expect(runOrch(['resume'], dir).code).toBe(0);
    expect(count(dir, 'first')).toBe(1);
  });

  it('Ctrl-C twice kills the tasks at once; resume finishes without re-running what completed', async () => {
    const dir = tempRepo({
      'task.js': TASK,
      'stubborn.js': `const fs = require('fs'); require('./task.js'); if (!fs.existsSync('quick')) { process.on('SIGTERM', () => {}); fs.writeFileSync('stubborn.started', ''); setTimeout(() => {}, 60000); }\n`,
      'orchestrator.config.json': config({ commands: { first: { run: 'node task.js first', inputs: ['task.js'] }, stubborn: { run: 'node stubborn.js stubborn', dependencies: ['first'], inputs: ['stubborn.js'] } } }),
    });
    const run = startOrch(['run', 'stubborn'], dir);
    await waitFor(() => existsSync(join(dir, 'stubborn.started')), 15_000, 'the task to start');
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    writeTree(dir, { quick: '' });
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect([count(dir, 'first'), count(dir, 'stubborn')]).toEqual([1, 2]);
  });

  it('restarts an interrupted task from its last completed step after kill -9', async () => {
    const step = (name: string, wait = false) => `node -e "const fs=require('fs'); fs.appendFileSync('steps.log', '${name}\\\\n'); ${wait ? "if (!fs.existsSync('go')) { fs.writeFileSync('waiting', String(process.pid)); setTimeout(() => {}, 60000) }" : ''}"`;
    const dir = tempRepo({ 'orchestrator.config.json': config({ commands: { deploy: { run: [step('one'), step('two', true), step('three')], inputs: [] } } }) });
    const run = startOrch(['run', 'deploy'], dir);
    await waitFor(() => existsSync(join(dir, 'waiting')), 15_000, 'step two');
    run.child.kill('SIGKILL');
    await run.exited;
    // The orphaned step process is not orch's any more: end it as a machine restart would.
    process.kill(Number(readFileSync(join(dir, 'waiting'), 'utf8')), 'SIGKILL');
    expect(runOrch(['sessions'], dir).stdout).toMatch(/interrupted \(resumable\)/);
    writeTree(dir, { go: '' });
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(dir, 'steps.log'), 'utf8').trim().split('\n')).toEqual(['one', 'two', 'two', 'three']);
  });
});

describe('sessions and markers agree', () => {
  it('a resumed session does not trust a completion whose marker hash no longer matches', async () => {
    const dir = twoTasks();
    expect(runOrch(['run', 'second'], dir).code).toBe(1);
    const [id] = sessionIds(dir);
    // Another run changes first's inputs and completes it: the marker now has another hash.
    writeTree(dir, { 'first.txt': 'other input\n' });
    expect(runOrch(['run', 'first'], dir).code).toBe(0);
    writeTree(dir, { 'first.txt': 'input of first\n' });
    const marker = await new TaskRecords(join(dir, '.orch')).get('completed', 'first');
    rmSync(join(dir, 'second.fail'));
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('first completed before, but its inputs changed since; running it again');
    expect(marker?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(marker?.hash).not.toBe((await new TaskRecords(join(dir, '.orch')).get('completed', 'first'))?.hash);
    expect(readdirSync(join(dir, '.orch/sessions'))).toHaveLength(2);
  });
});
