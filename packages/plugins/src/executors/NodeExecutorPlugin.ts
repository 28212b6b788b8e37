import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { definePlugin, type Engine, type TaskContext } from '@orch/engine';
import type { NodeTaskInput, NodeTaskOutput } from './nodeTaskWorker.js';
import { taskDirectory, taskEnvironment } from './taskEnvironment.js';

const PLUGIN_NAME = 'orch:node';

export interface NodeExecutorOptions {
  /** Worker threads. Default: the number of cores. */
  maxThreads?: number;
  /** Heap limit of each worker in MB; a task past it fails, orch does not. Default 2048. */
  maxHeapMb?: number;
}

type Pool = import('piscina').Piscina;
const pools = new WeakMap<Engine, Pool>();

/**
 * The shared worker-thread pool (Piscina), created on first use and closed at shutdown. The
 * `node` executor runs task modules in it; CPU-heavy built-in work can use it too.
 */
export async function workerPool(engine: Engine, options: NodeExecutorOptions = {}): Promise<Pool> {
  let pool = pools.get(engine);
  if (!pool) {
    const { Piscina } = await import('piscina');
    pool = new Piscina({
      filename: new URL('./nodeTaskWorker.js', import.meta.url).href,
      maxThreads: options.maxThreads ?? availableParallelism(),
      minThreads: 0,
      idleTimeout: 2000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 },
    });
    pools.set(engine, pool);
  }
  return pool;
}

/**
 * The `node` executor: a task whose `module` exports a function (default export unless `export`
 * names another) runs it in a worker thread, with `{ taskId, args, cwd, env }`. A returned number
 * is the exit code. The worker's `process.env` is the task's environment while it runs (a
 * worker thread has its own copy), the same one a shell task would get. Output is captured per
 * task; a throw, a crash or running out of memory fails that task only.
 */
export function nodeExecutorPlugin(options: NodeExecutorOptions = {}) {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.execute.for('node').tapPromise(PLUGIN_NAME, async (task) => {
        const started = performance.now();
        const spec = task.command.metadata.module!;
        const pool = await workerPool(engine, { ...engine.config.workers, ...options });
        const channel = outputChannel(task);
        const env = taskEnvironment(engine, task, taskDirectory(task));
        const input: NodeTaskInput = { modulePath: resolve(task.root, spec.path), exportName: spec.export, args: task.args, cwd: task.root, taskId: task.id, env, port: channel.port, inFlight: channel.inFlight };
        let failure: string | undefined;
        let exitCode = 1;
        try {
          exitCode = ((await pool.run(input, { transferList: [channel.port], signal: task.signal })) as NodeTaskOutput).exitCode;
        } catch (error) {
          failure = describeWorkerError(error);
        }
        // Everything the task wrote reaches its log before the task ends (and before the error).
        await channel.close();
        if (failure === undefined) return { exitCode, durationMs: performance.now() - started };
        task.output('stderr', `${failure}\n`);
        return { exitCode: 1, durationMs: performance.now() - started, message: failure };
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        const pool = pools.get(engine);
        pools.delete(engine);
        await pool?.destroy();
      });
    },
  });
}

/** A worker stopped mid-write may never deliver what it counted: wait this long without progress at most. */
const DRAIN_STALL_MS = 2000;

/**
 * The port a worker sends a task's output through, and shared memory with the worker: `[0]` the
 * count of characters it posted that this thread has not yet acknowledged (the worker waits while
 * it is high, and `close` waits until everything posted is handled), `[1]` set while this thread
 * holds acknowledgements back because orch's own output is congested (FINDINGS-11, 2): the worker
 * then waits without counting it as a stall, so a slow reader of orch's output slows the task
 * instead of filling orch's memory.
 */
function outputChannel(task: TaskContext): { port: MessagePort; inFlight: SharedArrayBuffer; close(): Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const inFlight = new SharedArrayBuffer(8);
  const shared = new Int32Array(inFlight);
  let progressed = (): void => undefined;
  /** Characters handled (in the task's log) whose acknowledgement waits for orch's output to drain. */
  let owed = 0;
  const acknowledge = (characters: number): void => {
    Atomics.sub(shared, 0, characters);
    Atomics.store(shared, 1, 0);
    Atomics.notify(shared, 0);
  };
  const release = (): void => {
    const characters = owed;
    owed = 0;
    acknowledge(characters);
  };
  task.signal.addEventListener('abort', release, { once: true });
  port1.on('message', (message: { stream: 'stdout' | 'stderr'; text: string }) => {
    const open = task.output(message.stream, message.text);
    if (open && owed === 0) acknowledge(message.text.length);
    else {
      if (owed === 0) {
        Atomics.store(shared, 1, 1);
        void task.drained().then(release);
      }
      owed += message.text.length;
    }
    progressed();
  });
  return {
    port: port2,
    inFlight,
    async close() {
      while (Atomics.load(shared, 0) - owed > 0) {
        const moved = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), DRAIN_STALL_MS);
          progressed = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        if (!moved) break;
      }
      task.signal.removeEventListener('abort', release);
      port1.close();
    },
  };
}

function describeWorkerError(error: unknown): string {
  const { code, message, name } = (error ?? {}) as { code?: string; message?: string; name?: string };
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(message ?? '')) return 'the task ran out of memory in its worker thread (maxHeapMb)';
  if (name === 'AbortError') return 'the task was stopped';
  return message ?? String(error);
}
