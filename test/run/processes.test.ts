import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';

const pkg = (name: string, scripts: Record<string, string>, extra: object = {}) => JSON.stringify({ name, version: '1.2.3', scripts, ...extra });

// A node one-liner as a shell word.
const node = (code: string) => `node -e ${JSON.stringify(code)}`;

describe('parallel scheduling', () => {
  it('runs independent tasks at the same time', () => {
    // Each task announces itself, then waits (up to 10 s) to see the other: only true overlap passes.
    const meet = (me: string, other: string) => node(`const fs=require('fs');fs.writeFileSync('../${me}.started','');const end=Date.now()+10000;while(!fs.existsSync('../${other}.started')){if(Date.now()>end){console.error('never met ${other}');process.exit(1)}}`);
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'p/a/package.json': pkg('a', { work: meet('a', 'b') }),
      'p/b/package.json': pkg('b', { work: meet('b', 'a') }),
    });
    const run = runOrch(['run', 'work', '--concurrency', '2'], dir);
    expect(run.stderr).toContain('Tasks:  2 succeeded');
    expect(run.code).toBe(0);
  });

  it('never runs two holders of a resource at once', () => {
    // Each holder takes an exclusive lock file; an overlap makes the second one fail.
    const hold = node("const fs=require('fs');const fd=fs.openSync('../../db.lock','wx');const end=Date.now()+400;while(Date.now()<end);fs.closeSync(fd);fs.unlinkSync('../../db.lock')");
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'p/m1/package.json': pkg('m1', { migrate: hold }),
      'p/m2/package.json': pkg('m2', { migrate: hold }),
      'p/m3/package.json': pkg('m3', { migrate: hold }),
      'orchestrator.config.json': JSON.stringify({ resources: { db: 1 }, targets: { migrate: { resources: { db: 1 } } } }),
    });
    const run = runOrch(['run', 'migrate', '--concurrency', '3'], dir);
    expect(run.stderr).toContain('Tasks:  3 succeeded');
    expect(run.code).toBe(0);
  });

  it('refuses a run with a task heavier than the concurrency, or an undeclared resource', () => {
    const dir = tempRepo({
      'package.json': pkg('solo', { big: 'true', db: 'true' }),
      'orchestrator.config.json': JSON.stringify({ resources: { database: 1 }, targets: { big: { weight: 4 }, db: { resources: { databse: 1 } } } }),
    });
    const heavy = runOrch(['run', 'solo#big', '--concurrency', '2'], dir);
    expect(heavy.code).toBe(2);
    expect(heavy.stderr).toContain('solo#big has weight 4, above the concurrency of 2: it could never start');
    expect(heavy.stderr).toContain('run with --concurrency 4 or more');
    const resource = runOrch(['run', 'solo#db'], dir);
    expect(resource.code).toBe(2);
    expect(resource.stderr).toContain("solo#db asks for the resource 'databse', which is not declared");
    expect(resource.stderr).toContain("did you mean 'database'?");
  });
});

describe('the shell executor', () => {
  it('runs package scripts directly with node_modules/.bin on PATH, npm_* variables and pre/post scripts', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['p/*'] }),
      'node_modules/.bin/root-tool': '#!/bin/sh\necho "root-tool ran"\n',
      'p/app/node_modules/.bin/app-tool': '#!/bin/sh\necho "app-tool ran"\n',
      'p/app/package.json': pkg('app', {
        prebuild: 'echo pre >> order.txt',
        build: 'root-tool && app-tool && echo "$npm_package_name@$npm_package_version $npm_lifecycle_event" && echo main >> order.txt',
        postbuild: 'echo post >> order.txt',
      }),
    });
    chmodSync(join(dir, 'node_modules/.bin/root-tool'), 0o755);
    chmodSync(join(dir, 'p/app/node_modules/.bin/app-tool'), 0o755);
    const run = runOrch(['run', 'app#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('app#build: root-tool ran');
    expect(run.stdout).toContain('app#build: app-tool ran');
    expect(run.stdout).toContain('app#build: app@1.2.3 build');
    expect(readFileSync(join(dir, 'p/app/order.txt'), 'utf8')).toBe('pre\nmain\npost\n');
  });

  it('appends arguments after -- to a package script, as npm does', () => {
    const dir = tempRepo({ 'package.json': pkg('solo', { show: 'node print-args.js' }), 'print-args.js': 'console.log(JSON.stringify(process.argv.slice(2)));\n' });
    const run = runOrch(['run', 'solo#show', '--', '--flag', 'two words'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('solo#show: ["--flag","two words"]');
  });

  it('runs markdown steps in order as checkpoints, with arguments as "$@", and names the step that failed', () => {
    const dir = tempRepo({
      '.claude/commands/greet.md': '---\ndescription: greet\nrun:\n  - echo "hello $1"\n  - name: count\n    run: echo "$# args"\n---\n',
      '.claude/commands/deploy.md': '---\ndescription: deploy\nrun:\n  - echo one > steps.txt\n  - name: upload\n    run: echo upload failed >&2; exit 4\n  - echo three >> steps.txt\n---\n',
    });
    const greet = runOrch(['run', 'greet', '--', 'world', 'again'], dir);
    expect(greet.code).toBe(0);
    expect(greet.stdout).toContain('greet: hello world\n');
    expect(greet.stdout).toContain('greet: 2 args\n');
    const deploy = runOrch(['run', 'deploy', '--json'], dir);
    expect(deploy.code).toBe(1);
    const events = deploy.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'task-step').map((e) => [e.index, e.name, e.status])).toEqual([
      [0, 'step 1', 'passed'],
      [1, 'upload', 'failed'],
    ]);
    const finished = events.find((e) => e.type === 'task-finished');
    expect(finished.outcome).toMatchObject({ status: 'failed', stage: 'execute', exitCode: 4, error: 'step 2 (upload) exited with code 4' });
    expect(readFileSync(join(dir, 'steps.txt'), 'utf8')).toBe('one\n');
  });

  it("a shell line's own errors name the shell, as under npm, never orch", () => {
    const dir = tempRepo({ 'package.json': pkg('solo', { build: 'nosuchcommand-xyz --version; echo "[$0]"' }) });
    const run = runOrch(['run', 'solo#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/solo#build: sh: (line )?1: nosuchcommand-xyz: (command )?not found/);
    expect(run.stdout).toContain('solo#build: [sh]');
  });

  it('kills the whole process tree when a task times out', () => {
    const dir = tempRepo({
      '.claude/commands/slow.md': '---\ndescription: slow\ntimeout: 700ms\nrun: sh -c "sleep 30 & echo $! > grandchild.pid; wait"\n---\n',
    });
    const run = runOrch(['run', 'slow'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Failed: slow at execute');
    expect(run.stderr).toContain('timed out after 700ms');
    const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    expect(alive(pid)).toBe(false);
  });
});

describe('Ctrl-C', () => {
  const longTasks = (trap = '') =>
    tempRepo({
      '.claude/commands/long.md': `---\ndescription: long\nrun: ${trap}sh -c "sleep 60 & echo $! > grandchild.pid; wait"\n---\n`,
      '.claude/commands/later.md': '---\ndescription: later\ndependencies: [long]\nrun: echo should not run\n---\n',
    });

  it('stops starting tasks, ends the running process trees, reports and exits 130', async () => {
    const dir = longTasks();
    const orch = startOrch(['run', 'later'], dir);
    await waitFor(() => existsSync(join(dir, 'grandchild.pid')), 15_000, 'the task to start');
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    orch.child.kill('SIGINT');
    const run = await orch.exited;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('SIGINT: stopping running tasks');
    expect(run.stderr).toContain('later not started: the run was interrupted');
    expect(run.stderr).toContain('(interrupted)');
    expect(run.stdout).not.toContain('should not run');
    await waitFor(() => !alive(grandchild), 5_000, 'the grandchild to be gone');
  });

  it('a second Ctrl-C kills tasks that ignore SIGTERM', async () => {
    const dir = longTasks("trap '' TERM; ");
    const orch = startOrch(['run', 'long'], dir);
    await waitFor(() => existsSync(join(dir, 'grandchild.pid')), 15_000, 'the task to start');
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    orch.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    orch.child.kill('SIGINT');
    const run = await orch.exited;
    expect(run.code).toBe(130);
    await waitFor(() => !alive(grandchild), 5_000, 'the grandchild to be gone');
  });
});

describe('what a task leaves running', () => {
  // Waiting for the job (15 s, 1000 s) would outlast the 10 s allowed: the run is killed and fails the test.
  it.each([
    ['`sleep 15 & exit 1` fails at once', 'sleep 15 & echo $! > bg.pid; exit 1', 1, ', holding its output open'],
    ['`sleep 1000 &` then `exit 0` succeeds instead of hanging', 'sleep 1000 & echo $! > bg.pid; exit 0', 0, ', holding its output open'],
    ['a job whose output goes elsewhere is ended too', 'sleep 1000 > /dev/null 2>&1 & echo $! > bg.pid', 0, ''],
  ])('a background job does not outlive or hold its task: %s', (_, script, code, holding) => {
    const dir = tempRepo({ 'package.json': pkg('solo', { build: script }) });
    const run = runOrch(['run', 'solo#build'], dir, {}, { timeoutMs: 10_000 });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(code === 0 ? 'Tasks:  1 succeeded' : 'Failed: solo#build at execute (exit code 1)');
    expect(run.stderr).toContain(`solo#build: its process exited but left 1 process of its group running (a background job such as \`cmd &\`)${holding}: ended it`);
    expect(alive(Number(readFileSync(join(dir, 'bg.pid'), 'utf8')))).toBe(false);
  }, 15_000);
});

describe("a process that leaves its task's process group", () => {
  it('is out of reach (setsid): it is not ended, but the run names it and its task', () => {
    // The task ends only once the daemon has left its group and become `sleep` (a loaded machine
    // may not have run setsid yet when the task's shell exits: then it is still in the group).
    const build = [
      '(setsid sleep 30 >/dev/null 2>&1 </dev/null & echo $! > daemon.pid); d=$(cat daemon.pid)',
      `while [ "$(cut -d' ' -f5 /proc/$d/stat)" = "$(cut -d' ' -f5 /proc/$$/stat)" ] || ! grep -q sleep /proc/$d/cmdline; do sleep 0.02; done`,
      'echo started-daemon',
    ].join('; ');
    const dir = tempRepo({ 'package.json': pkg('solo', { build }) });
    const run = runOrch(['run', 'solo#build'], dir, {}, { timeoutMs: 10_000 });
    const daemon = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8'));
    try {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`warning: solo#build: 1 process it started has left its process group and still runs \\(setsid, a daemon\\): pid ${daemon} \\(sleep 30\\); orch cannot end it, stop it if it is not meant to outlive the run`));
      expect(alive(daemon)).toBe(true);
    } finally {
      process.kill(daemon, 'SIGKILL');
    }
    // What a task ends in its group is not named.
    const job = tempRepo({ 'package.json': pkg('solo', { build: 'sleep 30 > /dev/null 2>&1 & echo started' }) });
    expect(runOrch(['run', 'solo#build'], job, {}, { timeoutMs: 10_000 }).stderr).not.toContain('left its process group');
  }, 30_000);
});

describe('SIGHUP and SIGQUIT', () => {
  /**
   * `long` starts a background job and waits; run again with `go` present, it first records
   * whether anything the earlier run started is still alive (an overlap), then ends.
   */
  const WORK = `const fs = require('fs'); const { spawn } = require('child_process');
const alive = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return !'ZX'.includes(s[s.lastIndexOf(')') + 2]); } catch { return false; } };
if (fs.existsSync('pids')) fs.appendFileSync('runs.log', fs.readFileSync('pids', 'utf8').split(' ').map(Number).some(alive) ? 'overlap\\n' : 'alone\\n');
if (fs.existsSync('go')) process.exit(0);
const job = spawn('sleep', ['1000'], { stdio: 'ignore' });
fs.writeFileSync('pids', process.pid + ' ' + job.pid);
setInterval(() => {}, 1000);\n`;

  it.each(['SIGHUP', 'SIGQUIT'] as const)('%s stops the run as SIGTERM does: its tasks end, exit 130, and resume runs them without overlap', async (signal) => {
    const dir = tempRepo({ 'work.js': WORK, 'orchestrator.config.json': JSON.stringify({ commands: { long: { run: 'node work.js', inputs: [] } } }) });
    const orch = startOrch(['run', 'long'], dir);
    await waitFor(() => existsSync(join(dir, 'pids')), 15_000, 'the task to start');
    const pids = readFileSync(join(dir, 'pids'), 'utf8').split(' ').map(Number);
    orch.child.kill(signal);
    const run = await orch.exited;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(`${signal}: stopping running tasks`);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);

    writeFileSync(join(dir, 'go'), '');
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(dir, 'runs.log'), 'utf8')).toBe('alone\n');
  }, 30_000);
});
