import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { config } from './helpers.js';

/**
 * Each task first records whether anything `long` started earlier is still alive (`overlap`).
 * Then `other` ends, and `long` starts a background job and waits forever (until `go` exists).
 */
const WORK = `const fs = require('fs'); const { spawn } = require('child_process');
const alive = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return !'ZX'.includes(s[s.lastIndexOf(')') + 2]); } catch { return false; } };
const earlier = fs.existsSync('pids') ? fs.readFileSync('pids', 'utf8').split(' ').map(Number) : [];
fs.appendFileSync('runs.log', process.argv[2] + ': ' + (earlier.some(alive) ? 'overlap' : 'alone') + '\\n');
if (process.argv[2] === 'other' || fs.existsSync('go')) process.exit(0);
const job = spawn('sleep', ['1000'], { stdio: 'ignore' });
fs.writeFileSync('pids', process.pid + ' ' + job.pid);
setInterval(() => {}, 1000);\n`;

const repo = () =>
  tempRepo({
    'work.js': WORK,
    'orchestrator.config.json': config({ commands: { long: { run: 'node work.js long', inputs: [] }, other: { run: 'node work.js other', inputs: [] } } }),
  });

/** Runs `orch run long`, kills it with SIGKILL once the task runs, and returns the task's pids (still running). */
async function killedRun(dir: string): Promise<number[]> {
  const orch = startOrch(['run', 'long'], dir);
  await waitFor(() => existsSync(join(dir, 'pids')), 15_000, 'the task to start');
  orch.child.kill('SIGKILL');
  await orch.exited;
  const pids = readFileSync(join(dir, 'pids'), 'utf8').split(' ').map(Number);
  for (const pid of pids) expect(alive(pid), `pid ${pid} outlives orch`).toBe(true);
  return pids;
}

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('after kill -9 of orch', () => {
  it('the next run ends the process groups it left running before anything starts, and says so', async () => {
    const dir = repo();
    const pids = await killedRun(dir);
    started.push(...pids);
    const next = runOrch(['run', 'other'], dir);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/orch: session \S+ \(`orch run long`, pid \d+\) was killed and left tasks running; ended them before starting: long \(process group \d+, 2 processes\)/);
    expect(readFileSync(join(dir, 'runs.log'), 'utf8')).toBe('long: alone\nother: alone\n');
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    // Looked at once: the next run has nothing to say.
    expect(runOrch(['run', 'other'], dir).stderr).not.toContain('was killed');
  }, 40_000);

  it('orch resume ends them before running the task again, so the two never overlap', async () => {
    const dir = repo();
    const pids = await killedRun(dir);
    started.push(...pids);
    writeTree(dir, { go: '' });
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('was killed and left tasks running; ended them before starting: long');
    expect(readFileSync(join(dir, 'runs.log'), 'utf8')).toBe('long: alone\nlong: alone\n');
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 40_000);

  it('never signals a recorded pid that now belongs to another process (another start time)', async () => {
    const dir = repo();
    // Two processes of the test's own, each leading its group: one recorded as it is, one with another start time.
    const recorded = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const reused = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    started.push(recorded.pid!, reused.pid!);
    await waitFor(() => alive(recorded.pid!) && alive(reused.pid!), 5_000, 'the processes to start');
    const identity = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return { pid, startTime: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]), boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };
    };
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const session = join(dir, '.orch/sessions/20261124-101500-dead');
    mkdirSync(join(session, 'lock'), { recursive: true });
    writeFileSync(join(session, 'owner.json'), JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-11-24T10:15:00.000Z', argv: ['run', 'long'] }));
    const events = [
      { t: 1, type: 'task-process', id: 'long', state: 'started', process: identity(recorded.pid!) },
      { t: 2, type: 'task-process', id: 'long', state: 'started', process: { ...identity(reused.pid!), startTime: identity(reused.pid!).startTime - 1 } },
    ];
    writeFileSync(join(session, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));

    const next = runOrch(['run', 'other'], dir);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`ended them before starting: long (process group ${recorded.pid}, 1 process)`);
    expect(next.stderr).not.toContain(`process group ${reused.pid}`);
    await waitFor(() => !alive(recorded.pid!), 5_000, 'the recorded process to end');
    expect(alive(reused.pid!)).toBe(true);
  }, 40_000);
});
