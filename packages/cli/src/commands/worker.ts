import { hostname } from 'node:os';
import { ExitCode, OrchError, parseDuration } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { STOP_SIGNALS } from '../stopSignals.js';

const DEFAULT_STALL = '30s';

export const workerCommand: CliCommand = {
  name: 'worker',
  usage: 'orch worker --queue <redis-url> [options]',
  description:
    "Runs tasks of distributed runs (`orch run --distribute`) in this checkout: takes jobs from the queue, runs each through the ten pipeline stages with this checkout's own task definitions, and uploads the outputs to the remote cache. The checkout must be at the coordinator's commit. First SIGTERM or Ctrl-C: take no more jobs and finish the running ones; second: stop them and give them back to the queue. See docs/distributed.md.",
  options: {
    queue: { type: 'string', valueName: 'url', description: 'the Redis server of the runs to serve: redis://host:6379 or rediss:// (TLS); credentials from ORCH_QUEUE_USERNAME / ORCH_QUEUE_PASSWORD', example: '--queue redis://queue-host:6379' },
    concurrency: { type: 'string', valueName: 'n', description: 'jobs run at once, per run', default: '1', check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : 'a number of jobs, 1 or more'), example: '--concurrency 2' },
    name: { type: 'string', valueName: 'name', description: "this worker's name in the coordinator's output and session", default: '<host>-<pid>', example: '--name ci-worker-3' },
    'stall-timeout': {
      type: 'string',
      valueName: 'duration',
      description: 'a job whose worker stopped answering (killed, machine lost) for this long goes back to the queue',
      default: DEFAULT_STALL,
      check: (value) => ((parseDuration(value) ?? 0) >= 500 ? undefined : 'a duration of at least 500ms, such as 30s'),
      example: '--stall-timeout 10s',
    },
  },
  examples: ['orch worker --queue redis://queue-host:6379', 'orch worker --queue rediss://queue.example.com:6380 --concurrency 4 --name ci-worker-3'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options);
    const url = values.queue as string | undefined;
    if (!url) throw new OrchError('usage', 'orch worker needs --queue <redis-url>', { hint: 'e.g. orch worker --queue redis://queue-host:6379' });
    const { queueLocation } = await import('../distributed/queueConnection.js');
    const { QueueWorker } = await import('../distributed/QueueWorker.js');
    const { openWorkspace } = await import('../openWorkspace.js');
    const location = queueLocation(url, '--queue');
    // The checkout must be one orch can run, with a remote cache it can write (the outputs go there).
    const workspace = await openWorkspace(io.cwd, undefined, { inspectOnly: true });
    const remote = workspace.config.cache.remote;
    if (!remote || !remote.access.includes('w')) {
      throw new OrchError('usage', 'orch worker needs a remote cache it can write: the coordinator restores the outputs of the tasks it runs from there', { hint: 'configure cache.remote (docs/caching.md#remote-cache), as on the coordinator' });
    }
    const worker = await QueueWorker.start(
      {
        root: workspace.config.root,
        stateDir: workspace.config.stateDir,
        location,
        name: (values.name as string | undefined) ?? `${hostname()}-${process.pid}`,
        concurrency: Number(values.concurrency ?? 1),
        stallMs: parseDuration(values['stall-timeout'] ?? DEFAULT_STALL)!,
      },
      io,
    );
    let signals = 0;
    await new Promise<void>((done) => {
      const onSignal = (): void => {
        signals++;
        if (signals === 1) io.stderr('orch worker: stopping: finishing the running jobs (again to give them back to the queue)\n');
        if (signals > 2) return;
        void worker.stop(signals > 1).then(() => {
          for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
          done();
        });
      };
      for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    });
    return ExitCode.ok;
  },
};
