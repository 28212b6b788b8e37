import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, loadConfig, OrchError } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { askDaemon, waitFor } from '../daemon/daemonControl.js';
import { daemonWanted } from '../daemon/daemonClient.js';
import type { DaemonStatus } from '../daemon/daemonProtocol.js';
import { daemonSocketFolder, daemonSocketPath, findDaemonSocket, trustedSocketFolder } from '../daemon/daemonSocket.js';
import { startDaemon } from '../daemon/startDaemon.js';
import { describeMs } from '../daemon/describeMs.js';
import { outsideWorkspaceError } from '../outsideWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { pluginsModule } from '../lazyModules.js';

const ACTIONS = ['status', 'start', 'stop', 'restart'] as const;

export const daemonCommand: CliCommand = {
  name: 'daemon',
  usage: 'orch daemon [status|start|stop|restart] [--json]',
  description:
    "The workspace's daemon (docs/daemon.md): a warm orch that serves `run` when every task is a cache hit, `affected`, `list`, `show`, `validate` and help, so they start in milliseconds, as `turbo daemon` does. It starts on demand (off under CI, with --no-daemon or ORCH_DAEMON=0), stops when idle (ORCH_DAEMON_IDLE_TIMEOUT, 15 minutes), and keeps nothing between invocations that a fresh orch would not read again: --no-daemon gives the same results.",
  options: { json: { type: 'boolean', description: 'status: print it as JSON' } },
  operands: ACTIONS,
  examples: ['orch daemon status', 'orch daemon stop', 'orch daemon restart'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const action = positionals[0] ?? 'status';
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new OrchError('usage', `orch daemon ${action}: expected one of ${ACTIONS.join(', ')}`, { hint: 'orch daemon status, orch daemon stop' });
    }
    if (positionals.length > 1) throw new OrchError('usage', `orch daemon ${action} takes nothing more, not '${positionals.slice(1).join(' ')}'`, { hint: `orch daemon ${action}` });
    // status and stop find the daemon by its socket, without loading the config: a broken one must not keep you from stopping it.
    const found = findDaemonSocket(io.cwd);
    const unsafe = !existsSync(daemonSocketFolder()) || trustedSocketFolder() ? undefined : `${daemonSocketFolder()} is not a folder of this user's alone (a link, another owner, or open to others): no orch uses a daemon until it is removed`;
    const stop = async (socketPath: string | undefined): Promise<DaemonStatus | undefined> => {
      const status = socketPath === undefined ? undefined : await askDaemon(socketPath, 'stop');
      if (status) await waitFor(() => !existsSync(socketPath!) && !running(status.pid), 10_000);
      return status;
    };
    if (action === 'status') {
      const status = found === undefined ? undefined : await askDaemon(found, 'status');
      if (values.json) io.stdout(`${JSON.stringify(status ?? { running: false, ...(unsafe ? { problem: unsafe } : {}) }, null, 2)}\n`);
      else if (unsafe) io.stdout(`orch daemon: ${unsafe}\n`);
      else io.stdout(status ? describe(status) : `no daemon serves ${io.cwd}${daemonWanted([], process.env) ? ' (the next orch run, list or affected starts one)' : ' (off here: CI, or ORCH_DAEMON=0)'}\n`);
      return ExitCode.ok;
    }
    if (action === 'stop') {
      const status = await stop(found);
      if (status) io.stdout(`stopped the daemon (pid ${status.pid}) of ${status.root}\n`);
      else {
        // One still starting (an orch started it a moment ago) has its lock and holder, not yet its socket.
        const starting = await startingDaemon(io.cwd);
        if (starting !== undefined) {
          process.kill(starting, 'SIGTERM');
          await waitFor(() => !running(starting), 10_000);
          io.stdout(`stopped the daemon (pid ${starting}), which was starting\n`);
        } else io.stdout(`no daemon serves ${io.cwd}\n`);
      }
      return ExitCode.ok;
    }
    if (unsafe) throw new OrchError('daemon-failed', `orch daemon: ${unsafe}`, { hint: `remove it (rm -r ${daemonSocketFolder()}); orch makes it again, mode 0700` });
    const { config } = await loadConfig({ cwd: io.cwd, ...(process.env.ORCH_CONFIG ? { configFile: process.env.ORCH_CONFIG } : {}) });
    const outside = outsideWorkspaceError(config);
    if (outside) throw outside;
    const root = realpathSync(config.root);
    if (action === 'restart') await stop(found);
    return start({ root, stateDir: config.stateDir, cacheDir: config.cache.dir }, daemonSocketPath(root), io);
  },
};

async function start(workspace: { root: string; stateDir: string; cacheDir: string }, socketPath: string, io: CliIO): Promise<number> {
  const { root, stateDir } = workspace;
  const running = await askDaemon(socketPath, 'status');
  if (running) {
    io.stdout(describe(running));
    return ExitCode.ok;
  }
  startDaemon(workspace, realpathSync(process.argv[1]!));
  let status: DaemonStatus | undefined;
  await waitFor(async () => (status = await askDaemon(socketPath, 'status', 500)) !== undefined, 10_000);
  if (!status) throw new OrchError('daemon-failed', `the daemon of ${root} did not start`, { hint: `its log: ${resolve(root, stateDir, 'daemon.log')}` });
  io.stdout(describe(status));
  return ExitCode.ok;
}

function describe(status: DaemonStatus): string {
  return [
    `daemon of ${status.root}: running, pid ${status.pid}, orch ${status.version}, since ${status.startedAt}`,
    `  served ${status.served} invocation${status.served === 1 ? '' : 's'}, left ${status.declined} to the client; ${status.memoryMb} MiB; stops after ${describeMs(status.idleTimeoutMs)} idle`,
    `  work tree ${status.workTree.watched ? `watched: ${status.workTree.readsKept} read${status.workTree.readsKept === 1 ? '' : 's'} of git's answers kept (${status.workTree.readsUpdated} brought up to date where tracked files changed)` : 'not watched: git is asked each time'}`,
    `  log: ${status.log}`,
    '',
  ].join('\n');
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid of a daemon of this folder (or one above) that does not answer yet: one just spawned
 * (`<socket>.starting`, while its process is an orch daemon), or one that holds its lock (its
 * holder record names a process that is still the same one, by its start time: a pid the
 * system gave to another process is never signalled).
 */
async function startingDaemon(cwd: string): Promise<number | undefined> {
  const spawned = findDaemonSocket(cwd, '.starting');
  if (spawned !== undefined) {
    try {
      const { pid } = JSON.parse(readFileSync(`${spawned}.starting`, 'utf8')) as { pid: number };
      if (Number.isInteger(pid) && pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('__daemon')) return pid;
    } catch {
      // Not (or no longer) a daemon's.
    }
  }
  const socket = findDaemonSocket(cwd, '.holder');
  if (socket === undefined || !existsSync(`${socket}.lock`)) return undefined;
  const { checkProcess } = await pluginsModule();
  try {
    const holder = JSON.parse(readFileSync(`${socket}.holder`, 'utf8')) as Parameters<typeof checkProcess>[0];
    return Number.isInteger(holder.pid) && holder.pid > 0 && checkProcess(holder) === 'same' ? holder.pid : undefined;
  } catch {
    return undefined;
  }
}
