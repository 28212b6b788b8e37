import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { checkSessionId, ExitCode, invocationStartedAt, logLevelShows, OrchError, runTasks, type LogLevel, type ContinueMode, type PlannedTask, type PreviousRun, type RunSummary, type SessionInfo, type TaskGraph } from '@orch/engine';
import type { CliIO } from './CliCommand.js';
import { missingDependencyWarnings } from './missingDependencyWarnings.js';
import type { OpenWorkspace } from './openWorkspace.js';
import type { ReportEvent } from './report/RunReport.js';
import type { RunSettings } from './runOptions.js';
import { printDiagnostics } from './render/printDiagnostics.js';
import { checkOutputFile } from './writeOutputFile.js';
import { reportOrphans } from './reportOrphans.js';
import { STOP_SIGNALS } from './stopSignals.js';
import { pluginsModule } from './lazyModules.js';

export interface SessionRunOptions {
  workspace: OpenWorkspace;
  graph: TaskGraph;
  plan: readonly PlannedTask[];
  /** Task id → the name the user typed for it. */
  roots: ReadonlyMap<string, string>;
  args: readonly string[];
  only: boolean;
  concurrency: number;
  continue: ContinueMode;
  /** What the user ran, recorded in the session for `orch resume`. */
  request: SessionInfo['request'];
  argv: readonly string[];
  /** Resume this session instead of starting one. */
  resume?: { id: string; previous: ReadonlyMap<string, PreviousRun>; breakers: SessionInfo['breakers'] };
  /** `--summarize`: write the run's summary as JSON to this file ('': `<stateDir>/runs/<session>.json`). */
  summarize?: string | undefined;
  /** `--profile`: write a trace of the run to this file (`RunProfile`). */
  profile?: string | undefined;
  /** `--distribute`: the run's tasks go to `orch worker` processes through this queue (docs/distributed.md). */
  distribute?: RunSettings['distribute'];
}


/**
 * Runs a plan as a session: first ends what runs killed with `kill -9` left running, then
 * takes the session (no other live process may hold it), logs it through the session plugin
 * (tasks are claimed one by one by `orch:task-claims`, so a run beside another waits for the
 * tasks they share), handles SIGINT, SIGTERM, SIGHUP and SIGQUIT (first: stop and let tasks end;
 * second: kill them) and returns the exit code: 0, 1 (a task failed), 75 (paused for a person),
 * 130 (interrupted, whichever the signal).
 */
export async function runSession(options: SessionRunOptions, io: CliIO): Promise<number> {
  await io.admitRun?.(options);
  const { workspace } = options;
  const namedId = process.env.ORCH_SESSION_ID === undefined ? undefined : checkSessionId(process.env.ORCH_SESSION_ID, 'ORCH_SESSION_ID');
  const { config, engine } = workspace;
  // Checked before any task runs: found unwritable only at the end, a long run's trace or summary would be lost.
  if (options.profile !== undefined) checkOutputFile(resolve(io.cwd, options.profile), 'the profile');
  if (options.summarize) checkOutputFile(resolve(io.cwd, options.summarize), 'the run summary');
  // --log-level: which of orch's own messages show.
  const says = (level: LogLevel): boolean => logLevelShows(level, engine.output.logLevel);
  const profile = options.profile === undefined ? undefined : await profileRun(engine);
  const { TaskHistory, SessionStore, RunLogs, killAllChildren, endOrphanedProcesses, processIdentity, requireRemoteCacheKey, stateFolderProblems } = await pluginsModule();
  requireRemoteCacheKey(config.cache);
  // A state folder orch cannot use stops the run here, before anything starts (findings R2 #11, #13).
  printDiagnostics(stateFolderProblems(config), io);
  const stateDir = resolve(config.root, config.stateDir);
  const history = new TaskHistory(stateDir);
  const store = new SessionStore(stateDir);
  const logs = new RunLogs(stateDir);

  const orphans = await endOrphanedProcesses(store);
  if (says('warn')) reportOrphans(orphans, io);
  let release: (() => Promise<void>) | undefined;
  let session: SessionInfo | undefined;
  if (config.sessions.log) {
    const id = options.resume?.id ?? namedId ?? SessionStore.newId();
    if (!options.resume && store.has(id) && store.tryLoad(id)?.state.events) {
      throw new OrchError('usage', `session ${id} already exists`, { hint: `\`orch resume ${id}\` continues it; unset ORCH_SESSION_ID for a new one` });
    }
    if (!options.resume && says('info')) offerInterrupted(store, io, engine.output.reporter);
    release = await store.acquire(id, { ...processIdentity(process.pid), host: hostname(), startedAt: new Date().toISOString(), argv: [...options.argv] });
    session = {
      id,
      request: options.request,
      argv: [...options.argv],
      pid: process.pid,
      host: hostname(),
      startedAt: new Date().toISOString(),
      ...(options.resume ? { resumed: true, ...(options.resume.breakers ? { breakers: options.resume.breakers } : {}) } : {}),
    };
  }

  if (says('warn')) printDiagnostics(missingDependencyWarnings(workspace, options.plan), io);
  const controller = new AbortController();
  // A stop signal once the run has ended gives up the background work left (a plugin's that never settles).
  const afterRun = new AbortController();
  let ended = false;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (ended) return afterRun.abort(new Error(signal));
    interrupts++;
    if (interrupts === 1) {
      engine.emit({ type: 'run-interrupted', signal });
      controller.abort(new Error(signal));
    } else {
      killAllChildren();
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const runId = session?.id ?? SessionStore.newId();
  const recorded = options.summarize === undefined ? undefined : recordEvents(engine);
  let summary: RunSummary;
  try {
    if (options.distribute) await distribute(options, runId, controller.signal);
    summary = await runTasks(engine, {
      plan: options.plan,
      registry: workspace.registry,
      graph: options.graph,
      args: options.args,
      requested: new Set(options.roots.keys()),
      only: options.only,
      // Distributed, every ready task is queued at once; the workers' concurrency bounds what runs.
      concurrency: options.distribute ? Math.max(options.concurrency, options.plan.length) : options.concurrency,
      continue: options.continue,
      resources: config.resources,
      signal: controller.signal,
      // A run without a session log still keeps its tasks' output, under an id of its own.
      logDir: logs.folder(runId),
      // Served by the daemon: admitted as a full hit, so nothing may run here (docs/daemon.md).
      ...(io.admitRun ? { onlyCached: 'orch: the daemon runs no task, and this one was not a cache hit after all; run the command again (orch runs it itself then), or with --no-daemon' } : {}),
      expectedDurations: history.readDurations(),
      ...(session ? { session } : {}),
      ...(options.resume ? { previous: options.resume.previous } : {}),
    });
  } finally {
    ended = true;
    try {
      await engine.close({ deferBackground: io.afterReply !== undefined, signal: afterRun.signal });
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      await release?.().catch(() => undefined);
      // Alone, close() did the engine's background work and warned of its failures.
      const background = async (): Promise<readonly Error[]> => {
        try {
          return await engine.finishBackground();
        } finally {
          logs.prune(config.sessions.keep, (id) => store.isLive(id));
        }
      };
      if (io.afterReply) io.afterReply(background);
      else await background();
    }
  }
  if (profile) {
    const written = relative(io.cwd, await profile.write(resolve(io.cwd, options.profile!))) || options.profile;
    if (says('info')) io.stderr(`orch: profile: ${written}\n`);
  }
  const exitCode = summary.interrupted ? ExitCode.interrupted : summary.awaitingIntervention > 0 ? ExitCode.awaitingIntervention : summary.failed > 0 ? ExitCode.taskFailed : ExitCode.ok;
  if (recorded) {
    const { writeRunSummary } = await import('./report/writeRunSummary.js');
    const path = await writeRunSummary(recorded, { id: runId, root: config.root, stateDir: config.stateDir, exitCode, out: options.summarize || undefined, cwd: io.cwd });
    if (says('info')) io.stderr(`orch: run summary: ${relative(io.cwd, path) || path}\n`);
  }
  return exitCode;
}

/** Connects the run to its queue (`--distribute`): tasks the caches do not answer go to workers. */
async function distribute(options: SessionRunOptions, sessionId: string, signal: AbortSignal): Promise<void> {
  const { queueLocation } = await import('./distributed/queueConnection.js');
  const { Coordinator } = await import('./distributed/Coordinator.js');
  const { url, workersMin, local } = options.distribute!;
  await Coordinator.start(options.workspace.engine, {
    location: queueLocation(url, '--distribute'),
    sessionId,
    plan: options.plan,
    commands: options.workspace.registry.commands,
    roots: [...options.roots.keys()],
    only: options.only,
    local,
    concurrency: options.concurrency,
    workersMin,
    resumed: options.resume !== undefined,
    signal,
  });
}

/** Starts recording the run's trace (`--profile`); `write` ends it and writes it as JSON. */
async function profileRun(engine: OpenWorkspace['engine']): Promise<{ write(path: string): Promise<string> }> {
  const { RunProfile } = await import('./profile/RunProfile.js');
  // From the invocation's start: the process's, or the daemon's taking of the invocation.
  const toUs = (): number => Math.round((performance.now() - invocationStartedAt()) * 1000);
  const profile = new RunProfile(toUs, toUs());
  engine.hooks.event.tap('orch:profile', (event) => profile.record(event));
  return { write: async (path) => (await import('./profile/writeProfile.js')).writeProfile(profile, path) };
}

/** The run's events as they happen (output aside), stamped as the session log stamps them. */
function recordEvents(engine: OpenWorkspace['engine']): ReportEvent[] {
  const events: ReportEvent[] = [];
  engine.hooks.event.tap('orch:run-summary', (event) => {
    if (event.type !== 'task-output') events.push({ t: Date.now(), ...event });
  });
  return events;
}

/** A session whose process died mid-run is offered for resume when the next run starts. */
function offerInterrupted(store: InstanceType<typeof import('@orch/plugins').SessionStore>, io: CliIO, reporter: string): void {
  if (reporter === 'json' || reporter === 'silent') return;
  const latest = store.latestId();
  if (!latest || store.endedAsLogged(latest)) return;
  const session = store.tryLoad(latest);
  if (!session?.state.info || session.live || session.state.status !== 'interrupted' || session.state.summary) return;
  io.stderr(`orch: session ${latest} (\`orch ${session.state.info.argv.join(' ')}\`) stopped when its process died; \`orch resume ${latest}\` finishes it\n`);
}
