import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkSessionId, ExitCode, OrchError, closestMatches, planRun, taskLogFiles, type PreviousRun, type SessionInfo } from '@orch/engine';
import type { CacheProblem, LocalCache } from '@orch/plugins';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { resolveNames } from '../resolveNames.js';
import { runnableGraph } from '../runnableGraph.js';
import { outputOptions } from '../outputOptions.js';
import { runSession } from '../runSession.js';
import { resumedValues, runOptionSpecs, runSettings } from '../runOptions.js';
import { workspaceCache } from '../taskHasher.js';
import { engineOutput } from './run.js';
import { pluginsModule } from '../lazyModules.js';

export const resumeCommand: CliCommand = {
  name: 'resume',
  usage: 'orch resume [<session-id>] [options]',
  description:
    'Continues a session that was interrupted, failed or paused for intervention: replays its log, skips tasks that completed with an unchanged hash and still have the outputs they made (outputs changed since come back from the cache entry; an entry the process died before storing is stored again from intact outputs; a task whose outputs are gone runs again), restarts interrupted tasks from their last completed step, and runs the rest, in the same session, with the options and config file it started with (--force, --cache, --continue, --only, --output-logs, arguments; --concurrency and --output-logs given here win). Without an id: the newest session with unfinished work.',
  options: {
    last: { type: 'boolean', description: 'the newest session, whatever its status' },
    skip: { type: 'string', multiple: true, valueName: 'task', description: 'go on without this task, one that awaits intervention (repeated for more)' },
    ...runOptionSpecs(['concurrency', 'json', 'reporter', 'summarize', 'profile', 'output-logs', 'log-order', 'log-level', 'verbose']),
  },
  examples: [
    'orch resume                          # the newest session with unfinished work',
    'orch resume 20261124-101500-a1b2     # that session',
    'orch resume --last                   # the newest session',
    'orch resume 20261124-101500-a1b2 --skip web#e2e   # go on without a task that awaits intervention',
  ],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    if (positionals.length > 1) throw new OrchError('usage', 'name one session to resume', { hint: '`orch sessions` lists them' });
    if (positionals[0] !== undefined) checkSessionId(positionals[0], 'session id');
    const output = engineOutput(io, values);
    let workspace = await openWorkspace(io.cwd, output);
    const { SessionStore } = await pluginsModule();
    const store = new SessionStore(resolve(workspace.config.root, workspace.config.stateDir));

    const chosen = positionals[0] ?? (values.last ? store.latestId() : store.latest((status) => status !== 'completed' && status !== 'watching' && status !== 'stopped')?.state.id);
    if (!chosen) throw new OrchError('session-not-found', values.last || positionals[0] ? 'there are no sessions' : 'no session has unfinished work', { hint: '`orch sessions` lists them' });
    const loaded = store.load(chosen, { repair: true });
    if (store.ownerUnreadable(chosen)) io.stderr(`orch: session ${chosen}: its owner record (owner.json) names no process, so its owner is taken for dead; taking the session over\n`);
    if (loaded.live) throw new OrchError('session-locked', `session ${chosen} is still running (pid ${loaded.owner?.pid})`, { hint: 'wait for it to finish, or stop it with Ctrl-C first' });
    if (loaded.torn) io.stderr(`orch: session ${chosen}: the log ended in a torn line (the process died while writing it); ignored\n`);
    if (loaded.rebuilt) io.stderr(`orch: session ${chosen}: the snapshot was corrupt; rebuilt the state from the log\n`);
    const { state } = loaded;
    if (!state.info) throw new OrchError('session-not-found', `session ${chosen} has no recorded run to resume`, { hint: 'start it again with `orch run`' });
    // The next watch's first cycle runs what is not up to date (the cache answers the rest): there is nothing a resume would add.
    if (state.info.watch) {
      const again = `orch ${state.info.argv.join(' ')}`;
      throw new OrchError('usage', `session ${chosen} is a watch (\`${again}\`): a watch is not resumed`, { hint: `run \`${again}\` again: its first run does what is not up to date, the cache answers the rest` });
    }
    if (state.status === 'completed') {
      io.stderr(`orch: session ${chosen} completed; nothing to resume\n`);
      return ExitCode.ok;
    }

    const { request } = state.info;
    workspace = await withRecordedConfig(workspace, chosen, request, () => openWorkspace(io.cwd, output));
    const resumed = resumedValues(request, values);
    const settings = runSettings(resumed, workspace.config);
    // The run's --output-logs, as recorded (or as given here); the engine's reporters read it as tasks print.
    Object.assign(workspace.engine.output, outputOptions({ ...values, 'output-logs': resumed['output-logs'] }));
    const roots = new Map<string, string>();
    for (const name of request.names) for (const id of await resolveNames(workspace, [name], io)) if (!roots.has(id)) roots.set(id, name);
    const graph = await runnableGraph(workspace, [...roots.keys()], { only: settings.only }, io);
    const plan = planRun(graph, roots, { only: settings.only });
    // What the session ran that the same request no longer plans (a script renamed or deleted
    // since): said, never left out in silence (findings R2 #17).
    const planned = new Set(plan.map((task) => task.id));
    for (const id of [...new Set([...state.plan, ...Object.keys(state.tasks)])].filter((task) => !planned.has(task)).sort()) {
      const gone = !workspace.registry.commands.has(id);
      io.stderr(`orch: session ${chosen} had ${id}, which ${gone ? 'no longer exists' : 'is no longer part of this run'}; it is not run\n`);
    }

    const skips = (values.skip as string[] | undefined) ?? [];
    for (const name of skips) {
      if (!plan.some((task) => task.id === name)) {
        const close = closestMatches(name, plan.map((task) => task.id));
        throw new OrchError('usage', `--skip ${name}: not a task of session ${chosen}`, { hint: close.length > 0 ? `did you mean ${close.map((c) => `'${c}'`).join(' or ')}?` : 'the tasks are listed by `orch sessions show`' });
      }
    }

    // Completed tasks are trusted only while their hash is unchanged (the completion marker's too).
    const { hasher, cache } = await workspaceCache(workspace);
    for (const id of roots.keys()) if (request.args.length > 0) hasher.args.set(id, request.args);
    const { TaskRecords } = await pluginsModule();
    const records = new TaskRecords(resolve(workspace.config.root, workspace.config.stateDir));
    const previous = new Map<string, PreviousRun>();
    for (const task of plan) {
      const record = state.tasks[task.id];
      if (skips.includes(task.id)) {
        previous.set(task.id, { kind: 'skip' });
        continue;
      }
      if (!record) continue;
      const hashed = record.hash ? await hasher.hash(task.id) : undefined;
      const now = hashed?.hash;
      // A prompt's `!`cmd`` output is only known by running the task: it runs again, and the cache answers if nothing changed.
      const unchanged = record.hash === undefined || (record.hash === now && !hashed?.provisional);
      if (record.status === 'succeeded') {
        const marker = await records.get('completed', task.id);
        const markerAgrees = !marker?.hash || !now || marker.hash === now;
        if (hashed?.provisional) io.stderr(`orch: ${task.id} completed before; its hash takes the output of !\`cmd\` lines, known only by running them: running it again (the cache answers if nothing changed)\n`);
        else if (!unchanged || !markerAgrees) io.stderr(`orch: ${task.id} completed before, but its inputs changed since; running it again\n`);
        else if (record.worker && now && !(await cache.get(now))) {
          // A distributed run restores a worker's outputs after it records the task (docs/distributed.md): without the entry, the outputs here are not known to be the worker's.
          io.stderr(`orch: ${task.id} completed before on worker ${record.worker}, but orch stopped before restoring its outputs here; restoring them from the remote cache\n`);
        } else if (!now || (await outputsAsMade(workspace, chosen, cache, task.id, now, record.finishedAt, marker?.durationMs ?? 0, io))) {
          previous.set(task.id, { kind: 'done', ...(record.hash ? { hash: record.hash } : {}), ...(record.worker ? { worker: record.worker } : {}) });
        }
      } else if ((record.status === 'running' || record.status === 'cancelled') && record.completedSteps > 0 && unchanged) {
        previous.set(task.id, { kind: 'interrupted', fromStep: record.completedSteps });
      }
    }

    return runSession(
      {
        workspace,
        graph,
        plan,
        roots,
        args: request.args,
        ...settings,
        request,
        argv: state.info.argv,
        resume: { id: chosen, previous, breakers: state.breakers },
        summarize: values.summarize as string | undefined,
        profile: values.profile as string | undefined,
      },
      io,
    );
  },
};

/**
 * The workspace as the session's run saw it: opened again with the config file the run used
 * (`orch --config ci.config.ts run …`) when that is not the one found now, unless resume was
 * given a config of its own.
 */
async function withRecordedConfig(workspace: OpenWorkspace, id: string, request: SessionInfo['request'], reopen: () => Promise<OpenWorkspace>): Promise<OpenWorkspace> {
  if (!request.config || process.env.ORCH_CONFIG) return workspace;
  const recorded = resolve(workspace.config.root, request.config);
  if (recorded === workspace.config.configFile) return workspace;
  if (!existsSync(recorded)) throw new OrchError('usage', `session ${id} ran with the config ${request.config}, which no longer exists`, { hint: 'give resume the config to use: orch resume --config <file>' });
  await workspace.engine.close();
  process.env.ORCH_CONFIG = recorded;
  return reopen();
}

/**
 * Whether a completed task's outputs are what it made (FINDINGS-11, 1), so it counts as done:
 * checked against its cache entry, or, without one, stored again from its outputs when they are
 * all there and unchanged since it finished (issue 11, part 11a). Otherwise resume says why and
 * the task goes through its pipeline again: a cache hit restores its outputs from the entry, or
 * it runs. A failure to store is a warning, as the original store's would have been.
 */
async function outputsAsMade(workspace: OpenWorkspace, sessionId: string, cache: LocalCache, id: string, hash: string, finishedAt: number | undefined, durationMs: number, io: CliIO): Promise<boolean> {
  const { checkCompletedTask, describeFileError, LocalCache: Cache, RunLogs } = await pluginsModule();
  const { config } = workspace;
  // The task's log, as it wrote it in this session's log folder, goes into the entry too.
  const files = taskLogFiles(new RunLogs(resolve(config.root, config.stateDir)).folder(sessionId), id);
  const bytes = existsSync(files.log) && existsSync(files.streams) ? statSync(files.log).size : 0;
  const command = workspace.registry.commands.get(id)!;
  try {
    const onProblem = (problem: CacheProblem) => io.stderr(`orch: warning: ${id}: ${Cache.describe(problem)}\n`);
    const check = await checkCompletedTask({ config, cache, command, hash, durationMs, ...(finishedAt === undefined ? {} : { finishedAt }), ...(bytes > 0 ? { log: { files, bytes } } : {}), onProblem });
    switch (check.kind) {
      case 'intact':
        return true;
      case 'stored':
        io.stderr(`orch: ${id} completed before, but orch stopped before storing its cache entry; stored it from its outputs\n`);
        return true;
      case 'restore': {
        const restores = !config.cache.force && config.cache.local.includes('r');
        io.stderr(`orch: ${id} completed before, but its outputs changed since (${check.reason}); ${restores ? 'restoring them from its cache entry' : 'running it again'}\n`);
        return false;
      }
      case 'rerun':
        io.stderr(`orch: ${id} completed before, but ${check.entryMissing ? 'orch stopped before storing its cache entry and ' : ''}its outputs changed since (${check.reason}); running it again\n`);
        return false;
    }
  } catch (error) {
    io.stderr(`orch: warning: ${id} completed before without a cache entry, and storing it now failed: ${describeFileError(error, config.root)}\n`);
    return true;
  }
}
