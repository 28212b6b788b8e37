import { OrchError, type Engine } from '@orch/engine';
import { RUN_KEYS } from './DistributedJob.js';
import { queueTimeout } from './reachQueue.js';
import type { RunQueue } from './RunQueue.js';

const PLUGIN_NAME = 'orch:distributed';
/** How often the connection, the idle workers and the run's key are looked at (ms). */
const WATCH_MS = 500;

/**
 * Watches a coordinator's queue while the run goes: a connection gone for `ORCH_QUEUE_TIMEOUT`
 * fails every waiting task naming the queue; a worker that takes none of the run's jobs is
 * warned about once per reason; a Redis that lost the run (restarted without its data) gets the
 * run announced and its unfinished jobs queued again (findings 16 #3).
 */
export class QueueWatchdog {
  private readonly timer: NodeJS.Timeout;
  private lostSince: number | undefined;
  private requeuing = false;
  private stopped = false;
  /** What each idle worker said, as last warned about. */
  private readonly idleSaid = new Map<string, string>();

  constructor(
    private readonly engine: Engine,
    private readonly queue: RunQueue,
    private readonly requeue: (jobId: string) => Promise<void>,
  ) {
    const limit = queueTimeout();
    this.timer = setInterval(() => this.tick(limit), WATCH_MS);
    this.timer.unref();
  }

  private tick(limit: number): void {
    const { queue } = this;
    const up = queue.client.status === 'ready';
    if (up) this.lostSince = undefined;
    else this.lostSince ??= Date.now();
    if (this.lostSince !== undefined && Date.now() - this.lostSince >= limit && !queue.lost) {
      queue.lost = lostQueue(queue, limit);
      for (const follower of queue.followers.values()) follower.settle(queue.lost);
    }
    if (up) void this.sayIdle().then(() => this.requeueIfLost());
  }

  /** Warns once of each worker that takes none of this run's jobs (another commit, uncommitted changes), and why. */
  private async sayIdle(): Promise<void> {
    const idle = await this.queue.client.hgetall(RUN_KEYS.idle(this.queue.name)).catch(() => ({}) as Record<string, string>);
    for (const [worker, why] of Object.entries(idle)) {
      if (this.idleSaid.get(worker) === why) continue;
      this.idleSaid.set(worker, why);
      this.engine.emit({ type: 'warning', message: `${why}; it takes none of this run's jobs, which wait for a worker at this commit`, source: PLUGIN_NAME });
    }
  }

  /**
   * A Redis restarted without its data (no persistence, a failover) lost the run: its
   * description, its jobs and their results. The run is announced again and every task still
   * waited for is queued again (a worker that already ran it answers from the cache), instead
   * of waiting for a result that can no longer come.
   */
  private async requeueIfLost(): Promise<void> {
    const { queue } = this;
    if (this.stopped || this.requeuing || queue.lost) return;
    if ((await queue.client.exists(RUN_KEYS.run(queue.name)).catch(() => 1)) === 1 || this.stopped) return;
    this.requeuing = true;
    try {
      this.engine.emit({ type: 'warning', message: `the queue ${queue.location.url} (${queue.name}) lost this run (Redis restarted without its data): queuing the ${queue.followers.size} unfinished tasks again`, source: PLUGIN_NAME });
      await queue.announce();
      for (const jobId of [...queue.followers.keys()]) await this.requeue(jobId);
    } catch {
      // The connection went again: the next tick tries again.
    } finally {
      this.requeuing = false;
    }
  }

  /** The run is over: its keys going is not a lost queue. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}

function lostQueue(queue: RunQueue, ms: number): OrchError {
  return new OrchError('stage-failed', `the queue ${queue.location.url} (${queue.name}) could not be reached for ${Math.round(ms / 1000)}s`, {
    hint: 'check that Redis runs there and this machine reaches it (redis-cli -u <url> ping); `orch resume` continues the run',
  });
}
