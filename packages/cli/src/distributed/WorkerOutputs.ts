import { resolve } from 'node:path';
import { OrchError, readTaskLog, type Engine, type PlannedTask, type RunSettlement, type TaskContext } from '@orch/engine';
import type { CacheEntry } from '@orch/plugins';
import pLimit from 'p-limit';
import type { JobResult } from './DistributedJob.js';
import { WorkerPrefix } from './WorkerPrefix.js';
import { pluginsModule } from '../lazyModules.js';

const PLUGIN_NAME = 'orch:distributed';
/**
 * Restores at once. Each downloads, unpacks and writes files on this process's event loop, beside
 * the run's critical path (hashing, lookups, queuing): two keep up with the workers without
 * crowding it.
 */
const RESTORES_AT_ONCE = 2;

/**
 * The outputs of the tasks workers ran, put in place on the coordinator from the remote cache
 * (as a remote hit is restored), so its tree ends as after a local run. A task counts as
 * finished as soon as its worker's result arrives: what depends on it and runs on a worker
 * restores the outputs there itself, so the coordinator's copy is restored in the background,
 * a few at a time, off the run's critical path. It is waited for where it matters: before a
 * task runs here (`--local`, or pinned) or is hashed with declared inputs, which may name a
 * dependency's outputs (`dependenciesOf`), and before the run ends (`settle`), where a task
 * whose outputs could not be restored fails the run.
 */
export class WorkerOutputs {
  private readonly pending = new Map<string, Promise<void>>();
  /** Why each failed restore failed, by task id. */
  private readonly failures = new Map<string, string>();
  private readonly limit = pLimit(RESTORES_AT_ONCE);
  private readonly dependencies: ReadonlyMap<string, readonly string[]>;

  constructor(
    private readonly engine: Engine,
    plan: readonly PlannedTask[],
  ) {
    this.dependencies = new Map(plan.map((task) => [task.id, task.dependencies]));
  }

  /** Starts restoring a succeeded task's outputs behind the others; a failure is said at once. */
  restoreLater(task: TaskContext, result: JobResult): void {
    const work = this.limit(() => restoreWorkerOutputs(this.engine, task, result)).then(
      () => undefined,
      (error: Error) => {
        this.failures.set(task.id, error.message);
        this.engine.emit({ type: 'warning', message: `${error.message}; the run fails when its tasks end`, source: PLUGIN_NAME });
      },
    );
    this.pending.set(task.id, work);
  }

  /**
   * Restores now, and replays the task's log from its entry with the worker's name: for a job a
   * worker finished while no coordinator followed its output (`orch resume` after the
   * coordinator was killed). Throws as `restoreWorkerOutputs`.
   */
  async restoreAndReplay(task: TaskContext, result: JobResult): Promise<void> {
    const entry = await restoreWorkerOutputs(this.engine, task, result);
    if (!entry.log) return;
    const prefix = new WorkerPrefix(result.worker);
    for await (const chunk of readTaskLog(entry.log, entry.meta.log?.bytes)) if (!task.output(chunk.stream, prefix.apply(chunk.stream, chunk.text))) await task.drained();
  }

  /** Resolves once the outputs of the task's dependencies, direct or not, are in place here; throws naming one that could not be restored. */
  async dependenciesOf(id: string): Promise<void> {
    const closure = new Set<string>();
    const next = [...(this.dependencies.get(id) ?? [])];
    for (let dep = next.pop(); dep !== undefined; dep = next.pop()) {
      if (closure.has(dep)) continue;
      closure.add(dep);
      next.push(...(this.dependencies.get(dep) ?? []));
    }
    await Promise.all([...closure].map((dep) => this.pending.get(dep)));
    const failed = [...closure].find((dep) => this.failures.has(dep));
    if (failed) throw new OrchError('stage-failed', `the outputs of its dependency ${failed} could not be restored here: ${this.failures.get(failed)}`);
  }

  /** Waits for every restore; each task whose outputs could not be restored fails (the run with it), saying why. */
  async settle(outcomes: RunSettlement['outcomes']): Promise<void> {
    await this.idle();
    for (const [id, why] of this.failures) {
      const outcome = outcomes.get(id);
      if (!outcome || outcome.status !== 'succeeded') continue;
      Object.assign(outcome, { status: 'failed', stage: 'execute', error: why });
      delete outcome.cached;
      delete outcome.exitCode;
    }
  }

  /** Resolves once no restore runs (the run is stopping). */
  async idle(): Promise<void> {
    for (let seen = -1; seen !== this.pending.size; ) {
      seen = this.pending.size;
      await Promise.all(this.pending.values());
    }
  }
}

/**
 * Puts a worker's outputs in place: its remote cache entry, downloaded, checked (signature,
 * archive rules) and restored as a remote hit is. Returns the entry; throws an `OrchError`
 * naming the task, the worker and what went wrong.
 */
async function restoreWorkerOutputs(engine: Engine, task: TaskContext, result: JobResult): Promise<CacheEntry> {
  const { LocalCache, downloadEntry, remoteCacheClient, restoreEntry } = await pluginsModule();
  const settings = engine.config.cache;
  const local = new LocalCache(resolve(engine.config.root, settings.dir));
  const hash = result.hash ?? (task.data.get('orch:hash') as string);
  const remote = remoteCacheClient(settings)!;
  const fail = (why: string): never => {
    throw new OrchError('stage-failed', `${task.id} ran on worker ${result.worker}, but ${why}`, { hint: 'check that every worker writes to the remote cache (cache.remote, --cache=remote:rw) with the same signing key' });
  };
  const download = async (): Promise<CacheEntry | undefined> => ((await downloadEntry(local, remote, hash).catch((error: Error) => fail(`its outputs could not be downloaded: ${error.message}`))) ? local.get(hash) : undefined);
  const found = (await local.get(hash)) ?? (await download());
  if (!found) return fail(`the remote cache has no entry for its hash ${hash.slice(0, 12)}`);
  if (!(await restoreEntry(engine, task, local, hash, 'remote', found))) fail('its outputs could not be restored here');
  return found;
}
