import { describe, expect, it } from 'vitest';
import { daemonWanted, invocationFolder } from '../daemon/daemonClient.js';
import { daemonServes, servedOnlyAsFullHit, warmsUp } from '../daemon/daemonServes.js';
import { COMMANDS } from '../main.js';

const commands = Object.keys(COMMANDS);

describe('what the daemon serves (docs/daemon.md)', () => {
  it('serves run, a target by name, affected, list, show, validate and help', () => {
    for (const argv of [['run', 'build'], ['build'], ['web#build', '--only'], ['affected', '--list'], ['list'], ['show', 'x'], ['validate'], ['--help'], ['help', 'run'], ['--version'], ['--cwd', 'packages/web', 'run', 'build'], ['--config', 'ci.config.ts', 'list'], []]) {
      expect(daemonServes(argv, commands), argv.join(' ')).toBe(true);
    }
  });

  it('never serves a watch, a distributed run, another command, or with --no-daemon', () => {
    for (const argv of [['show', 'review', '--render', '--exec'], ['run', 'build', '--watch'], ['watch', 'build'], ['run', 'build', '--distribute=redis://h'], ['run', 'build', '--distribute', 'redis://h'], ['resume'], ['status', '--watch'], ['logs', 'x'], ['worker', '--queue', 'redis://h'], ['init'], ['daemon', 'stop'], ['--no-daemon', 'list'], ['__complete', 'run'], ['--cwd', 'run', 'status']]) {
      expect(daemonServes(argv, commands), argv.join(' ')).toBe(false);
    }
  });

  it('admits runs, affected (running) and targets only as full cache hits; what only reads, always', () => {
    for (const argv of [['run', 'build'], ['build'], ['--cwd', 'packages/web', 'run', 'build'], ['affected', '-t', 'build'], ['affected', '-t', 'build', '--', '--list'], ['web#build', '--only']]) {
      expect(servedOnlyAsFullHit(argv, commands), argv.join(' ')).toBe(true);
    }
    for (const argv of [['affected', '--list'], ['affected', '-t', 'test', '--list'], ['list'], ['show', 'x'], ['validate'], ['--help'], ['help', 'run'], ['--version'], []]) {
      expect(servedOnlyAsFullHit(argv, commands), argv.join(' ')).toBe(false);
    }
  });

  it('warms up only with what runs nothing: a run it never admits there, list, validate, affected --list', () => {
    for (const argv of [['run', 'build'], ['build'], ['affected', '-t', 'build'], ['list'], ['validate', '--json'], ['affected', '--list']]) expect(warmsUp(argv, commands), argv.join(' ')).toBe(true);
    for (const argv of [['show', 'x'], ['show', 'x', '--render', '--exec'], ['--help'], ['--version'], ['daemon', 'start'], ['run', 'build', '--watch']]) expect(warmsUp(argv, commands), argv.join(' ')).toBe(false);
  });

  it('reads options only before --: what follows goes to the tasks', () => {
    expect(daemonServes(['run', 'build', '--', '--watch'], commands)).toBe(true);
    expect(daemonWanted(['run', 'build', '--', '--no-daemon'], {})).toBe(true);
    expect(invocationFolder(['run', 'x', '--', '--cwd', 'elsewhere'], '/repo')).toBe('/repo');
  });

  it('is off under CI, with ORCH_DAEMON=0 or --no-daemon; ORCH_DAEMON=1 wins over CI', () => {
    expect(daemonWanted(['list'], {})).toBe(true);
    expect(daemonWanted(['list'], { CI: 'true' })).toBe(false);
    expect(daemonWanted(['list'], { CI: 'true', ORCH_DAEMON: '1' })).toBe(true);
    expect(daemonWanted(['list'], { ORCH_DAEMON: '0' })).toBe(false);
    expect(daemonWanted(['list'], { ORCH_DAEMON: 'false' })).toBe(false);
    expect(daemonWanted(['list', '--no-daemon'], {})).toBe(false);
  });

  it('finds the folder --cwd names, as orch resolves it', () => {
    expect(invocationFolder(['--cwd', 'packages/web', 'list'], '/repo')).toBe('/repo/packages/web');
    expect(invocationFolder(['list', '--cwd=/elsewhere'], '/repo')).toBe('/elsewhere');
  });
});
