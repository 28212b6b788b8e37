import { createReadStream, existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { checkSessionId, ExitCode, OrchError, didYouMean, taskLogFiles, terminalText } from '@orch/engine';
import type { SessionState, TaskRecord } from '@orch/plugins';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { resolveNames } from '../resolveNames.js';
import { pluginsModule } from '../lazyModules.js';

export const logsCommand: CliCommand = {
  name: 'logs',
  operands: 'names',
  usage: 'orch logs <task> [--session <id> | --last]',
  description:
    "Prints a task's whole log (everything it printed, stdout and stderr as they came) from the newest session that ran it: .orch/logs/<session>/<task>.log, or the cache entry's log a cache hit replayed. Colours are kept on a terminal. When there is no log, says why: the task did not run, printed nothing, or its log was removed since.",
  options: {
    session: { type: 'string', valueName: 'id', description: 'the log from this session (`orch sessions` lists them)', default: 'the newest session that ran the task', example: '--session 20261124-101500-a1b2' },
    last: { type: 'boolean', description: 'the log from the newest session, whether or not it ran the task' },
  },
  examples: ['orch logs web#build                 # its log from the newest session that ran it', 'orch logs web#build --session 20261124-101500-a1b2', 'orch logs quality/verify --last | less -R'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    if (positionals.length !== 1) throw new OrchError('usage', positionals.length === 0 ? 'name the task whose log to print' : `name one task, not ${positionals.length}`, { hint: 'e.g. orch logs web#build' });
    if (typeof values.session === 'string') checkSessionId(values.session, '--session');
    if (values.session !== undefined && values.last) throw new OrchError('usage', 'give --session or --last, not both', { hint: `e.g. orch logs ${positionals[0]} --last` });
    const workspace = await openWorkspace(io.cwd, undefined, { inspectOnly: true });
    const { SessionStore } = await pluginsModule();
    const store = new SessionStore(resolve(workspace.config.root, workspace.config.stateDir));
    const newestFirst = store.ids().reverse();
    const chosen = (values.session as string | undefined) ?? (values.last ? newestFirst[0] : undefined);
    if (chosen !== undefined && !newestFirst.includes(chosen)) {
      throw new OrchError('session-not-found', newestFirst.length === 0 ? 'there are no sessions yet' : `no session ${chosen}`, { hint: didYouMean(chosen, newestFirst) ?? '`orch sessions` lists them' });
    }
    const states = (chosen ? [chosen] : newestFirst).map((id) => store.tryLoad(id)?.state).filter((state): state is SessionState => state !== undefined);
    const id = await taskId(workspace, positionals[0]!, states, io);
    const found = states.find((state) => ran(state.tasks[id]));
    if (!found) throw notRun(id, chosen, states);
    const path = logPath(workspace, found, id);
    const where = path === undefined ? undefined : relative(io.cwd, path) || path;
    if (!path || !existsSync(path)) throw missingLog(workspace, found, id, where);
    const record = found.tasks[id]!;
    io.stderr(`orch: ${terminalText(id, { oneLine: true })} in session ${found.id} (${describe(record)}): ${where}\n`);
    for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
      io.stdout(io.color ? (chunk as string) : stripVTControlCharacters(chunk as string));
      if (io.flow?.congested()) await io.flow.drained();
    }
    return ExitCode.ok;
  },
};

/**
 * The task a name means: a task id any kept session ran or the workspace has, else what `orch
 * run` would resolve the name to (one task); a name for several is a usage error listing them.
 */
async function taskId(workspace: OpenWorkspace, name: string, states: readonly SessionState[], io: CliIO): Promise<string> {
  const known = new Set([...workspace.registry.commands.keys(), ...states.flatMap((state) => Object.keys(state.tasks))]);
  if (known.has(name)) return name;
  let ids: string[];
  try {
    ids = await resolveNames(workspace, [name], io);
  } catch {
    throw new OrchError('command-not-found', `no task '${name}' in this workspace or its sessions`, { hint: didYouMean(name, known) ?? '`orch list` shows the tasks; `orch sessions` the runs' });
  }
  if (ids.length === 1) return ids[0]!;
  throw new OrchError('command-ambiguous', `'${name}' names ${ids.length} tasks: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', ...' : ''}`, { hint: `name one, e.g. orch logs ${ids[0]}` });
}

/**
 * Whether a session ran the task (a task skipped or never started has no log of that run). A
 * cache hit is logged by its outcome alone (no start), naming the entry's log it replayed.
 */
function ran(record: TaskRecord | undefined): boolean {
  return record !== undefined && (record.attempts > 0 || record.log !== undefined);
}

/**
 * Where the task's log of that session is: the path its outcome recorded (a cache hit's is the
 * entry's), or for a session recorded before outcomes named it, the session's log folder.
 */
function logPath(workspace: OpenWorkspace, state: SessionState, id: string): string | undefined {
  const recorded = state.tasks[id]?.log;
  if (recorded) return isAbsolute(recorded) ? recorded : join(workspace.config.root, recorded);
  const own = taskLogFiles(resolve(workspace.config.root, workspace.config.stateDir, 'logs', state.id), id).log;
  return existsSync(own) ? own : undefined;
}

function describe(record: TaskRecord): string {
  const status = record.status === 'failed' && record.stage ? `failed at ${record.stage}` : record.status;
  return `${status}${record.attempts > 1 ? `, ${record.attempts} attempts` : ''}`;
}

function notRun(id: string, chosen: string | undefined, states: readonly SessionState[]): OrchError {
  const record = chosen ? states[0]?.tasks[id] : undefined;
  if (chosen) {
    const why = record ? (record.status === 'skipped' ? `it was skipped${record.error ? ` (${record.error})` : ''}` : 'it never started') : 'it is not part of that run';
    return new OrchError('log-not-found', `${id} did not run in session ${chosen}: ${why}`, { hint: `\`orch logs ${id}\` finds the newest session that ran it` });
  }
  return new OrchError('log-not-found', `${id} has not run in any of the ${states.length} kept session${states.length === 1 ? '' : 's'}`, { hint: `\`orch run ${id}\` runs it` });
}

/** Why a task that ran has no log to show. */
function missingLog(workspace: OpenWorkspace, state: SessionState, id: string, where: string | undefined): OrchError {
  const { config } = workspace;
  if (!where) {
    const folder = resolve(config.root, config.stateDir, 'logs', state.id);
    const logged = Object.values(state.tasks).some((task) => task.log !== undefined && !relative(folder, resolve(config.root, task.log)).startsWith('..'));
    const pruned = logged && !existsSync(folder) ? ` (the session's log folder is gone too: orch keeps the logs of the newest ${config.sessions.keep} sessions)` : '';
    return new OrchError('log-not-found', `${id} printed nothing in session ${state.id}${pruned}`, { hint: 'a task that prints nothing has no log; `orch sessions show ' + state.id + '` shows what it did' });
  }
  const cacheDir = resolve(config.root, config.cache.dir);
  const fromCache = !relative(cacheDir, join(config.root, state.tasks[id]!.log ?? '')).startsWith('..');
  if (fromCache) return new OrchError('log-not-found', `${id} came from the cache in session ${state.id}, and that cache entry's log (${where}) is gone since`, { hint: 'the entry was evicted or cleaned (`orch cache clean`); `orch run ' + id + ' --force` runs it again' });
  return new OrchError('log-not-found', `the log of ${id} in session ${state.id} (${where}) was removed`, { hint: `orch keeps the logs of the newest ${config.sessions.keep} sessions (config sessions.keep)` });
}
