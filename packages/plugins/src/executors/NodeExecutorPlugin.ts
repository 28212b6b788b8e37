import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { definePlugin, type Engine } from '@orch/engine';
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
        const { port1, port2 } = new MessageChannel();
        port1.on('message', (message: { stream: 'stdout' | 'stderr'; text: string }) => task.output(message.stream, message.text));
        const env = taskEnvironment(engine, task, taskDirectory(task));
        const input: NodeTaskInput = { modulePath: resolve(task.root, spec.path), exportName: spec.export, args: task.args, cwd: task.root, taskId: task.id, env, port: port2 };
        try {
          const output = (await pool.run(input, { transferList: [port2], signal: task.signal })) as NodeTaskOutput;
          return { exitCode: output.exitCode, durationMs: performance.now() - started };
        } catch (error) {
          const message = describeWorkerError(error);
          task.output('stderr', `${message}\n`);
          return { exitCode: 1, durationMs: performance.now() - started, message };
        } finally {
          // Let queued output messages arrive before the port closes.
          await new Promise((done) => setImmediate(done));
          port1.close();
        }
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        const pool = pools.get(engine);
        pools.delete(engine);
        await pool?.destroy();
      });
    },
  });
}

function describeWorkerError(error: unknown): string {
  const { code, message, name } = (error ?? {}) as { code?: string; message?: string; name?: string };
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(message ?? '')) return 'the task ran out of memory in its worker thread (maxHeapMb)';
  if (name === 'AbortError') return 'the task was stopped';
  return message ?? String(error);
}
