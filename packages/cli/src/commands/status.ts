import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, ORCH_VERSION, OrchError, terminalJson } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { sessionArgument } from '../sessionArgument.js';
import { pluginsModule } from '../lazyModules.js';

/** How often `--watch` reads the session log again. */
const WATCH_INTERVAL_MS = 1000;
/** Home the cursor and clear the screen: each `--watch` frame replaces the last in a terminal. */
const CLEAR = '\u001b[H\u001b[2J';

export const statusCommand: CliCommand = {
  name: 'status',
  usage: 'orch status [<session>|--last] [--json] [--watch]',
  description:
    "The reference design's performance dashboard for one session (a running one by default, else the newest), from its session log: what runs now (stage, step, elapsed, pid), counts of done, running, queued, failed and cached tasks, time so far and an estimate of time left from past durations, cache hit rate, CPU time and peak memory of the tasks' processes, agents, quality gates, what each queued task waits for and the critical path. It only reads: it never takes the session's lock, so it can watch a run from another terminal.",
  options: {
    last: { type: 'boolean', description: 'the newest session (the default is a running one, else the newest)' },
    json: { type: 'boolean', description: 'the dashboard as JSON (with --watch, one line per refresh)' },
    watch: { type: 'boolean', description: 'refresh every second until the session is no longer running' },
  },
  examples: ['orch status', 'orch status --watch', 'orch status 20261124-101500-a1b2 --json'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const named = sessionArgument('status', positionals, values.last === true);
    const workspace = await openWorkspace(io.cwd);
    const { root, stateDir } = workspace.config;
    const [{ SessionStore, TaskHistory, readLog, GroupSampler, checkProcess }, { sessionDashboard }, { renderDashboard }] = await Promise.all([
      pluginsModule(),
      import('../status/sessionDashboard.js'),
      import('../status/renderDashboard.js'),
    ]);
    const store = new SessionStore(resolve(root, stateDir));
    const history = new TaskHistory(resolve(root, stateDir));
    const chosen = named !== undefined ? store.load(named) : values.last ? store.latest() : (store.latest((status) => status === 'running' || status === 'watching') ?? store.latest());
    if (!chosen) throw new OrchError('session-not-found', 'there are no sessions to show yet', { hint: 'every `orch run` starts one; then `orch status`' });
    const id = chosen.state.id;

    for (let frame = 0; ; frame++) {
      // Read-only: the log and snapshot as they are, no lock taken, a torn last line left alone.
      const session = frame === 0 ? chosen : store.load(id);
      const view = sessionDashboard(readLog(store.logPath(id)).events, {
        id,
        status: session.state.status,
        live: session.live,
        now: Date.now(),
        durations: history.readDurations(),
        orchVersion: ORCH_VERSION,
        sample: (group) => {
          if (checkProcess(group) !== 'same') return undefined;
          const sampler = new GroupSampler(group.pid);
          sampler.sample();
          const used = sampler.totals();
          return used.samples > 0 ? used : undefined;
        },
      });
      if (values.json) io.stdout(values.watch ? `${JSON.stringify(view)}\n` : `${terminalJson(view)}\n`);
      else io.stdout(`${values.watch && process.stdout.isTTY ? CLEAR : ''}${renderDashboard(view, new Date())}`);
      if (!values.watch || (session.state.status !== 'running' && session.state.status !== 'watching')) return ExitCode.ok;
      // Nobody reads any more (`| head -1`): a dashboard refreshed for no one would run until the session ends.
      const closed = io.outputClosed;
      await sleep(WATCH_INTERVAL_MS, undefined, closed ? { signal: closed } : {}).catch(() => undefined);
      if (closed?.aborted) return ExitCode.ok;
    }
  },
};
