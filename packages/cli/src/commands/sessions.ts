import { join, resolve } from 'node:path';
import { checkSessionId, ExitCode, OrchError, formatMs, terminalJson, terminalText } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { openWorkspace } from '../openWorkspace.js';
import { pluginsModule } from '../lazyModules.js';

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  usage: 'orch sessions [show <id>] [options]',
  description:
    'Lists sessions (every `orch run` is one) with their status: running, completed, failed, interrupted (its process died or was stopped: resumable) or awaiting-intervention. `show <id>` prints one session\'s timeline.',
  options: {
    json: { type: 'boolean', description: 'print the sessions, or the timeline, as JSON' },
    limit: { type: 'string', valueName: 'n', description: 'list the newest <n> sessions', default: '20', check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : 'a number of sessions (1 or more)'), example: '--limit 50' },
  },
  operands: ['show'],
  examples: ['orch sessions', 'orch sessions --json', 'orch sessions show 20261124-101500-a1b2'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const workspace = await openWorkspace(io.cwd);
    const { SessionStore, readLog } = await pluginsModule();
    const store = new SessionStore(resolve(workspace.config.root, workspace.config.stateDir));

    if (positionals[0] === 'show') {
      const id = positionals[1];
      if (!id) throw new OrchError('usage', 'name the session to show', { hint: '`orch sessions` lists them' });
      checkSessionId(id, 'session id');
      const session = store.load(id);
      const { events, torn } = readLog(store.logPath(id));
      if (values.json) {
        io.stdout(`${terminalJson({ ...session.state, live: session.live, owner: session.owner, torn, timeline: events })}\n`);
        return ExitCode.ok;
      }
      io.stdout(terminalText(renderTimeline(session.state.id, session.state.status, events, torn)));
      return ExitCode.ok;
    }
    if (positionals.length > 0) throw new OrchError('usage', `unknown sessions subcommand '${positionals[0]}'`, { hint: 'use `orch sessions` or `orch sessions show <id>`' });

    const limit = Number(values.limit ?? 20);
    const sessions = store
      .ids()
      .reverse()
      .slice(0, limit)
      .map((id) => store.tryLoad(id))
      .filter((s) => s !== undefined);
    if (values.json) {
      io.stdout(`${terminalJson(sessions.map(({ state, live }) => ({ id: state.id, status: state.status, live, runs: state.runs, startedAt: state.startedAt, updatedAt: state.updatedAt, argv: state.info?.argv, tasks: countTasks(state.tasks) })))}\n`);
      return ExitCode.ok;
    }
    if (sessions.length === 0) {
      io.stdout('no sessions yet: every `orch run` starts one\n');
      return ExitCode.ok;
    }
    io.stdout(terminalText(renderList(sessions.map(({ state }) => state), io)));
    return ExitCode.ok;
  },
};

type State = import('@orch/plugins').SessionState;

function countTasks(tasks: State['tasks']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of Object.values(tasks)) counts[record.status] = (counts[record.status] ?? 0) + 1;
  return counts;
}

function renderList(states: readonly State[], _io: CliIO): string {
  const rows = states.map((state) => {
    const total = Object.keys(state.tasks).length;
    const done = Object.values(state.tasks).filter((t) => t.status === 'succeeded').length;
    const status = state.status === 'interrupted' || state.status === 'awaiting-intervention' || state.status === 'failed' ? `${state.status} (resumable)` : state.status;
    return [state.id, status, state.startedAt ? new Date(state.startedAt).toISOString().replace('T', ' ').slice(0, 19) : '', `${done}/${total} done`, `orch ${state.info?.argv.join(' ') ?? ''}`];
  });
  const header = ['SESSION', 'STATUS', 'STARTED (UTC)', 'TASKS', 'COMMAND'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** One line per event that matters to a person, with the time since the session started. */
function renderTimeline(id: string, status: string, events: readonly { t: number; type: string; [key: string]: unknown }[], torn: boolean): string {
  const start = events[0]?.t ?? 0;
  const lines = [`session ${id}: ${status}`];
  for (const event of events) {
    const at = `+${formatMs(event.t - start).padStart(6)}`;
    const e = event as Record<string, any>;
    let text: string | undefined;
    switch (event.type) {
      case 'session-started':
        text = `${e.session.resumed ? 'resumed' : 'started'}: orch ${e.session.argv.join(' ')} (pid ${e.session.pid})`;
        break;
      case 'run-started':
        text = `${e.tasks.length} tasks planned, concurrency ${e.concurrency}`;
        break;
      case 'task-started':
        text = `${e.id} started`;
        break;
      case 'task-step':
        text = `${e.id} step ${e.index + 1} (${e.name}) ${e.status}`;
        break;
      case 'task-stage':
        if (e.status === 'failed') text = `${e.id} failed at ${e.stage}: ${e.message}`;
        break;
      case 'task-recovery':
        text = `${e.id} ${e.strategy}: ${e.action}${e.message ? ` (${e.message})` : ''}`;
        break;
      case 'compensation':
        text = `${e.id} compensated step ${e.step + 1} (${e.name}): ${e.status}`;
        break;
      case 'breaker':
        text = `circuit ${e.key}: ${e.state} (${e.failures} failure${e.failures === 1 ? '' : 's'})`;
        break;
      case 'task-finished': {
        const o = e.outcome;
        const how = o.resumed ? 'already done (unchanged)' : o.intervention ? `awaits intervention: ${o.intervention.todo}` : o.status === 'succeeded' ? `succeeded${o.cached ? ` (${o.cached} cache)` : ''}` : `${o.status}${o.error ? `: ${o.error}` : ''}`;
        text = `${o.id} ${how}`;
        break;
      }
      case 'task-claim': {
        const holder = e.holder ? `${e.holder.session ? `session ${e.holder.session}` : 'another run'} (pid ${e.holder.pid})` : 'another orch process';
        text = e.state === 'waiting' ? `${e.id} waited for ${holder}, which was running it` : `${e.id} taken over from ${holder}, which died`;
        break;
      }
      case 'run-interrupted':
        text = `interrupted (${e.signal})`;
        break;
      case 'run-finished': {
        const s = e.summary;
        text = `run finished: ${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped${s.cancelled ? `, ${s.cancelled} cancelled` : ''} in ${formatMs(s.durationMs)}`;
        break;
      }
    }
    if (text) lines.push(`${at}  ${text}`);
  }
  if (torn) lines.push('         (the log ends in a torn line: the process died while writing it)');
  return `${lines.join('\n')}\n`;
}
