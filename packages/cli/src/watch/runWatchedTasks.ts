import { resolve } from 'node:path';
import { runTasks, type PlannedTask, type RunSummary, type SessionInfo } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { printDiagnostics } from '../render/printDiagnostics.js';
import type { Survey } from './surveyWorkspace.js';
import { pluginsModule } from '../lazyModules.js';

export interface WatchedRunOptions {
  args: readonly string[];
  /** Ends the whole run (Ctrl-C). */
  signal: AbortSignal;
  /** Cancels one task (its inputs changed mid-run, or a persistent task is restarted). */
  taskSignals: ReadonlyMap<string, AbortSignal>;
  /** The watch's session (`openWatchSession`): every cycle is logged in it, its tasks' logs kept in its folder. */
  session?: SessionInfo | undefined;
}

/**
 * Runs a plan of a watch cycle on the survey's engine, as `orch run` runs one (the same ten
 * stages, cache, logs under `<stateDir>/logs/<session>`), in the watch's session: each cycle
 * is one more run of it (not resumed: the next cycle is its resume). The caller closes the engine.
 */
export async function runWatchedTasks(survey: Survey, plan: readonly PlannedTask[], options: WatchedRunOptions, io: CliIO): Promise<RunSummary> {
  const { workspace, settings, graph, roots } = survey;
  const { config, engine, registry } = workspace;
  const { TaskHistory, SessionStore, RunLogs, requireRemoteCacheKey, stateFolderProblems } = await pluginsModule();
  requireRemoteCacheKey(config.cache);
  printDiagnostics(stateFolderProblems(config), io);
  const stateDir = resolve(config.root, config.stateDir);
  const store = new SessionStore(stateDir);
  const logs = new RunLogs(stateDir);
  try {
    return await runTasks(engine, {
      plan,
      registry,
      graph,
      args: options.args,
      requested: new Set(roots.keys()),
      only: false,
      concurrency: settings.concurrency,
      continue: settings.continue,
      resources: config.resources,
      signal: options.signal,
      taskSignals: options.taskSignals,
      logDir: logs.folder(options.session?.id ?? SessionStore.newId()),
      ...(options.session ? { session: options.session } : {}),
      expectedDurations: new TaskHistory(stateDir).readDurations(),
    });
  } finally {
    logs.prune(config.sessions.keep, (id) => store.isLive(id));
  }
}
