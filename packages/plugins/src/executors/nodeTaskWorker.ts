// Runs inside a Piscina worker thread: loads a task module and calls its exported function.
// Console and process.stdout/stderr writes are sent to the main thread through `port`, so each
// task's output is captured on its own even with several workers running. A write waits while
// the main thread has more than OUTPUT_IN_FLIGHT characters of it still to handle, so a task that
// prints faster than orch can write its log never queues its output in memory.
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';

export interface NodeTaskInput {
  modulePath: string;
  exportName: string;
  args: string[];
  cwd: string;
  taskId: string;
  /** The task's environment (strict or loose, as selected for its hash). */
  env: Record<string, string>;
  port: MessagePort;
  /** Two Int32: characters posted and not yet acknowledged by the main thread; 1 while it holds them back for orch's own output. */
  inFlight: SharedArrayBuffer;
}

/**
 * Characters of output that may wait for the main thread before a write blocks. 1 M: into a pipe
 * (orch's output written asynchronously) 4 M in flight kept orch's main heap 70 MB larger, for no
 * speed gained (measured, `bench/run.mjs output`).
 */
export const OUTPUT_IN_FLIGHT = 1024 * 1024;
/** A stalled main thread (50 ms each) is waited for this many times, then writes go on. */
const MAX_STALLS = 600;

export interface NodeTaskOutput {
  exitCode: number;
}

/** What a task function receives. */
export interface NodeTaskContext {
  taskId: string;
  args: string[];
  cwd: string;
  /** The task's environment; `process.env` is the same while the task runs. */
  env: Readonly<Record<string, string>>;
}

export default async function runNodeTask(input: NodeTaskInput): Promise<NodeTaskOutput> {
  const { port } = input;
  const inFlight = new Int32Array(input.inFlight);
  const send = (stream: 'stdout' | 'stderr') => (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    let stalls = 0;
    for (let queued = Atomics.load(inFlight, 0); queued > OUTPUT_IN_FLIGHT && stalls < MAX_STALLS; queued = Atomics.load(inFlight, 0)) {
      // Held back for orch's own output (a slow reader): that wait is not a stalled main thread.
      if (Atomics.wait(inFlight, 0, queued, 50) === 'timed-out' && Atomics.load(inFlight, 1) === 0) stalls++;
    }
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    Atomics.add(inFlight, 0, text.length);
    port.postMessage({ stream, text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = send('stdout') as typeof process.stdout.write;
  process.stderr.write = send('stderr') as typeof process.stderr.write;
  const restoreEnv = replaceEnvironment(input.env);
  try {
    const module = (await importModule(input.modulePath)) as Record<string, unknown>;
    // An export the module has itself: `export: 'constructor'` must not find `Object`.
    const fn = Object.hasOwn(module, input.exportName) ? module[input.exportName] : undefined;
    if (typeof fn !== 'function') {
      const exported = Object.keys(module).filter((key) => key !== '__esModule');
      throw Object.assign(
        new Error(`${input.modulePath} does not export a function named '${input.exportName}' (exports: ${exported.length > 0 ? exported.join(', ') : 'nothing'})`),
        { code: 'module-no-function' },
      );
    }
    const context: NodeTaskContext = { taskId: input.taskId, args: input.args, cwd: input.cwd, env: input.env };
    const returned = await (fn as (context: NodeTaskContext) => unknown)(context);
    return { exitCode: typeof returned === 'number' ? returned : 0 };
  } finally {
    restoreEnv();
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    port.close();
  }
}

/**
 * Makes `process.env` the task's environment, in place (code holds references to the object),
 * and returns what puts the worker's own back. A worker thread's `process.env` is its own copy,
 * so this changes neither orch's nor another worker's; a worker runs one task at a time.
 * What it cannot reach: a module imported by an earlier task in the same worker that read
 * `process.env` when it loaded keeps what it read then (ES modules are cached per thread).
 */
function replaceEnvironment(env: Readonly<Record<string, string>>): () => void {
  const own = { ...process.env };
  const assign = (values: Readonly<Record<string, string | undefined>>): void => {
    for (const name of Object.keys(process.env)) delete process.env[name];
    Object.assign(process.env, values);
  };
  assign(env);
  return () => assign(own);
}

async function importModule(path: string): Promise<unknown> {
  if (/\.[mc]?ts$/.test(path)) {
    const { createJiti } = await import('jiti');
    return createJiti(pathToFileURL(path).href, { moduleCache: false }).import(path);
  }
  return import(pathToFileURL(path).href);
}

/** Built-in CPU work in the same pool: git blob ids of files (for task hashes). */
export { hashFilesHere as hashFiles } from '../cache/gitBlobHash.js';
