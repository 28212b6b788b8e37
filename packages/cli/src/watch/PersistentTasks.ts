import type { CliIO } from '../CliCommand.js';
import type { Survey } from './surveyWorkspace.js';
import { planOf, type WatchRecord } from './watchPlan.js';
import { runWatchedTasks, type WatchedRunOptions } from './runWatchedTasks.js';

interface Running {
  stop: AbortController;
  ended: Promise<void>;
}

/**
 * The persistent tasks of a watch (dev servers): each starts once its dependencies have
 * succeeded, keeps running across cycles, and is restarted (stopped as on Ctrl-C, then started
 * again) only when the hash of its own inputs changes (`Survey.ownHashes`), not when a
 * dependency is rebuilt. One that ends by itself starts again when its own inputs change.
 */
export class PersistentTasks {
  private readonly running = new Map<string, Running>();
  /** Task id → the own-inputs hash it was last started with. */
  private readonly started = new Map<string, string>();
  private readonly stopAll = new AbortController();
  /** The runs of started batches, each ending when its engine is closed. */
  private readonly runs = new Set<Promise<void>>();

  /** Persistent tasks of the survey that are due to (re)start: their dependencies succeeded with the hashes they have now. */
  due(survey: Survey, records: ReadonlyMap<string, WatchRecord>): string[] {
    const due = [...survey.ownHashes].filter(([id, own]) => {
      if (this.started.get(id) === own) return false;
      const dependencies = survey.graph.nodes.get(id)?.dependencies ?? [];
      return dependencies.every(({ to }) => records.get(to)?.status === 'succeeded' && records.get(to)?.hash === survey.hashes.get(to));
    });
    return due.map(([id]) => id);
  }

  /**
   * Stops the running persistent tasks the survey no longer selects or that are due, then
   * starts the due ones on the survey's engine. Returns true when they run on it (the engine
   * is closed when they have all ended), false when the caller closes it.
   */
  async update(survey: Survey, records: ReadonlyMap<string, WatchRecord>, run: Pick<WatchedRunOptions, 'args' | 'session'>, io: CliIO): Promise<boolean> {
    const due = this.due(survey, records);
    await this.stop([...this.running.keys()].filter((id) => !survey.ownHashes.has(id) || due.includes(id)));
    if (due.length === 0 || this.stopAll.signal.aborted) return false;
    const restarted = due.filter((id) => this.started.has(id));
    const fresh = due.filter((id) => !this.started.has(id));
    if (fresh.length > 0) io.stderr(`orch: watch: starting ${fresh.join(', ')} (persistent: kept running, restarted when its own inputs change)\n`);
    if (restarted.length > 0) io.stderr(`orch: watch: restarting ${restarted.join(', ')} (persistent: its own inputs changed)\n`);
    const controllers = new Map(due.map((id) => [id, new AbortController()]));
    for (const id of due) this.started.set(id, survey.ownHashes.get(id)!);
    const ends = new Map(due.map((id) => [id, deferred()]));
    survey.workspace.engine.hooks.event.tap('orch:watch-persistent', (event) => {
      if (event.type === 'task-finished') ends.get(event.outcome.id)?.resolve();
    });
    const started: Promise<void> = runWatchedTasks(survey, planOf(survey, new Set(due)), { ...run, signal: this.stopAll.signal, taskSignals: new Map([...controllers].map(([id, c]) => [id, c.signal])) }, io)
      .then(() => undefined)
      .catch((error: unknown) => io.stderr(`orch: watch: ${due.join(', ')}: ${error instanceof Error ? error.message : String(error)}\n`))
      .finally(async () => {
        for (const end of ends.values()) end.resolve();
        await survey.workspace.engine.close();
      });
    this.runs.add(started);
    void started.then(() => this.runs.delete(started));
    for (const id of due) {
      const ended = ends.get(id)!.promise;
      this.running.set(id, { stop: controllers.get(id)!, ended });
      void ended.then(() => {
        if (this.running.get(id)?.ended === ended) this.running.delete(id);
      });
    }
    return true;
  }

  /** Stops these persistent tasks (their process groups ended as on Ctrl-C) and waits until they have. */
  async stop(ids: readonly string[]): Promise<void> {
    const stopping = ids.map((id) => this.running.get(id)).filter((running): running is Running => running !== undefined);
    for (const running of stopping) running.stop.abort(new Error('restarted: its inputs changed'));
    await Promise.all(stopping.map((running) => running.ended));
  }

  /** Ends every persistent task for good (Ctrl-C) and waits until they have. */
  async close(): Promise<void> {
    this.stopAll.abort(new Error('SIGINT'));
    await this.stop([...this.running.keys()]);
    await Promise.all(this.runs);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
