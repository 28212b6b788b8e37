import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExitCode, OrchError, runTasks, type ContinueMode, type PlannedTask, type PreviousRun, type SessionInfo, type TaskGraph } from '@orch/engine';
import type { CliIO } from './CliCommand.js';
import { missingDependencyWarnings } from './missingDependencyWarnings.js';
import type { OpenWorkspace } from './openWorkspace.js';
import { printDiagnostics } from './render/printDiagnostics.js';

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
}

/**
 * Runs a plan as a session: claims it (no other live process may run the same tasks or hold the
 * session), logs it through the session plugin, handles Ctrl-C (first: stop and let tasks end;
 * second: kill them) and returns the exit code: 0, 1 (a task failed), 75 (paused for a person),
 * 130 (interrupted).
 */
export async function runSession(options: SessionRunOptions, io: CliIO): Promise<number> {
  const { workspace } = options;
  const { config, engine } = workspace;
  const { TaskHistory, SessionStore, killAllChildren, describeOwner } = await import('@orch/plugins');
  const stateDir = join(config.root, config.stateDir);
  const history = new TaskHistory(stateDir);

  let release: (() => Promise<void>) | undefined;
  let session: SessionInfo | undefined;
  if (config.sessions.log) {
    const store = new SessionStore(stateDir);
    const id = options.resume?.id ?? process.env.ORCH_SESSION_ID ?? SessionStore.newId();
    if (!options.resume && store.ids().includes(id) && store.tryLoad(id)?.state.events) {
      throw new OrchError('usage', `session ${id} already exists`, { hint: `\`orch resume ${id}\` continues it; unset ORCH_SESSION_ID for a new one` });
    }
    const overlap = store.overlapping(options.plan.map((task) => task.id));
    if (overlap.length > 0) {
      const [first] = overlap;
      throw new OrchError('session-locked', `${first!.shared.length} of these tasks ${first!.shared.length === 1 ? 'is' : 'are'} being run by session ${first!.id}, ${describeOwner(first!.owner)}: ${first!.shared.slice(0, 5).join(', ')}${first!.shared.length > 5 ? ', …' : ''}`, {
        hint: 'wait for it to finish (`orch sessions`), or run tasks it does not run',
      });
    }
    if (!options.resume) offerInterrupted(store, io, engine.output.reporter);
    release = await store.acquire(id, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), argv: [...options.argv], tasks: options.plan.map((task) => task.id) });
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

  printDiagnostics(missingDependencyWarnings(workspace, options.plan), io);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      engine.emit({ type: 'run-interrupted', signal });
      controller.abort(new Error(signal));
    } else {
      killAllChildren();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await runTasks(engine, {
      plan: options.plan,
      registry: workspace.registry,
      graph: options.graph,
      args: options.args,
      requested: new Set(options.roots.keys()),
      only: options.only,
      concurrency: options.concurrency,
      continue: options.continue,
      resources: config.resources,
      signal: controller.signal,
      expectedDurations: history.readDurations(),
      ...(session ? { session } : {}),
      ...(options.resume ? { previous: options.resume.previous } : {}),
    });
    if (summary.interrupted) return ExitCode.interrupted;
    if (summary.awaitingIntervention > 0) return ExitCode.awaitingIntervention;
    return summary.failed > 0 ? ExitCode.taskFailed : ExitCode.ok;
  } finally {
    try {
      await engine.close();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await release?.().catch(() => undefined);
    }
  }
}

/** A session whose process died mid-run is offered for resume when the next run starts. */
function offerInterrupted(store: InstanceType<typeof import('@orch/plugins').SessionStore>, io: CliIO, reporter: string): void {
  if (reporter === 'json' || reporter === 'silent') return;
  const latest = store.ids().at(-1);
  if (!latest) return;
  const session = store.tryLoad(latest);
  if (!session?.state.info || session.live || session.state.status !== 'interrupted' || session.state.summary) return;
  io.stderr(`orch: session ${latest} (\`orch ${session.state.info.argv.join(' ')}\`) stopped when its process died; \`orch resume ${latest}\` finishes it\n`);
}
