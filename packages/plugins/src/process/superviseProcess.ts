import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Engine, TaskContext } from '@orch/engine';
import { endProcessGroup, signalGroup } from './endProcessGroup.js';
import { processIdentity } from './processIdentity.js';
import { trackGroup, untrackGroup } from './processTree.js';

export interface SuperviseOptions {
  /** Between SIGTERM and SIGKILL when the task is stopped, or its leftovers are ended. Default 3000 ms. */
  killGraceMs?: number;
  /**
   * How long output is still read after the task's own process exited, for what it started
   * in the background to finish writing. Default 2000 ms: the drain deadline of the Codex CLI
   * (openai/codex#6575); Turborepo stops reading at once after a failure (vercel/turborepo#7402).
   */
  outputGraceMs?: number;
  /** Where the child's output goes, decoded as UTF-8. Default: the task's output. */
  output?: OutputSink;
}

/**
 * Takes a piece of a child's output; returns false, as `TaskContext.output` does, when orch's
 * own output is congested: reading the child's pipes is then held until `task.drained()`.
 */
export type OutputSink = (stream: 'stdout' | 'stderr', text: string) => boolean;

/** How a task's process ended; `error` when it could not be started. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

/** The task a process belongs to: its id and stop signal; its output and drain, when it has them (a `!\`cmd\`` line has neither). */
export type SupervisedTask = Pick<TaskContext, 'id' | 'signal'> & Partial<Pick<TaskContext, 'output' | 'drained'>>;

export const DEFAULT_KILL_GRACE_MS = 3000;
export const DEFAULT_OUTPUT_GRACE_MS = 2000;

/**
 * Sees a task's process through to its end and leaves nothing of it behind. The child must
 * have been spawned `detached` (the leader of its own process group) with piped output.
 * - Its group is recorded in the session log (`task-process`) as it starts and once nothing of
 *   it is left, so that if orch is killed the next run can end it.
 * - Its output is read into `options.output` (the task's output) with backpressure: while orch's
 *   own output is congested (a slow reader of orch's stdout), its pipes are paused, so the task
 *   blocks on its writes instead of its output piling up in orch's memory (FINDINGS-11, 2).
 * - When `task.signal` aborts, the group gets SIGTERM, and SIGKILL after `killGraceMs`.
 * - Output is read until the pipes close, but once the process itself has exited, for at most
 *   `outputGraceMs` more: a background job (`sleep 15 &`) that inherited the pipes no longer
 *   holds the task, and a long-lived one no longer hangs the run.
 * - Whatever still runs in its group then gets SIGTERM (SIGKILL after `killGraceMs`), with a
 *   warning; the promise resolves once the group is gone, so the task's outputs are final.
 */
export function superviseProcess(engine: Pick<Engine, 'emit'>, task: SupervisedTask, child: ChildProcess, options: SuperviseOptions = {}): Promise<ProcessEnd> {
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const outputGraceMs = options.outputGraceMs ?? DEFAULT_OUTPUT_GRACE_MS;
  const pgid = child.pid;
  if (pgid === undefined) return new Promise((resolve) => child.once('error', (error) => resolve({ code: null, signal: null, error })));

  trackGroup(pgid);
  const identity = processIdentity(pgid);
  engine.emit({ type: 'task-process', id: task.id, state: 'started', process: identity });
  const output = readOutput(task, child, options.output ?? ((stream, text) => task.output?.(stream, text) ?? true));
  return new Promise((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let outputCut = false;
    let outputTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      // A stopped task's last output is not held back: its reader may never come.
      output.release();
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    if (task.signal.aborted) onAbort();
    // The grace counts only while output is read: time held back for orch's reader is not the task's.
    let closed = false;
    const cutOutput = (): void => {
      if (closed) return;
      if (output.held) return void output.held.then(() => (outputTimer = setTimeout(cutOutput, outputGraceMs)));
      outputCut = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      outputTimer = setTimeout(cutOutput, outputGraceMs);
    });
    child.once('close', async (code, signal) => {
      closed = true;
      output.flush();
      clearTimeout(outputTimer);
      clearTimeout(killTimer);
      task.signal.removeEventListener('abort', onAbort);
      const left = await endProcessGroup(pgid, killGraceMs);
      untrackGroup(pgid);
      if ((left > 0 || outputCut) && !task.signal.aborted) engine.emit({ type: 'warning', message: leftoverWarning(task.id, left, outputCut, outputGraceMs), source: 'orch:process' });
      engine.emit({ type: 'task-process', id: task.id, state: 'ended', process: identity });
      resolve({ code: exit?.code ?? code, signal: exit?.signal ?? signal });
    });
  });
}

/**
 * Reads a child's stdout and stderr into `sink`, decoded as UTF-8. When the sink answers false,
 * neither pipe is read until `task.drained()` (`held` is that wait), so the child blocks on its
 * writes; `release` reads on regardless from then on; `flush` gives the sink what the decoders
 * still hold, once the pipes are closed. The pipes are read with `read()` on `readable`, not in
 * flowing mode: Node resumes a paused child's flowing stdio when the child exits.
 */
function readOutput(task: SupervisedTask, child: ChildProcess, sink: OutputSink): { held: Promise<void> | undefined; release(): void; flush(): void } {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const pipes: [Readable | null, 'stdout' | 'stderr'][] = [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ];
  let released = false;
  const state = {
    held: undefined as Promise<void> | undefined,
    release(): void {
      released = true;
      readAll();
    },
    flush(): void {
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].end();
        if (rest) sink(stream, rest);
      }
    },
  };
  const read = (pipe: Readable, stream: 'stdout' | 'stderr'): void => {
    for (let chunk: Buffer | null; (released || !state.held) && (chunk = pipe.read() as Buffer | null) !== null; ) {
      const text = decoders[stream].write(chunk);
      if (text === '' || sink(stream, text) || released || state.held) continue;
      state.held = (task.drained?.() ?? Promise.resolve()).then(() => {
        state.held = undefined;
        readAll();
      });
    }
  };
  const readAll = (): void => {
    for (const [pipe, stream] of pipes) if (pipe) read(pipe, stream);
  };
  for (const [pipe, stream] of pipes) pipe?.on('readable', () => read(pipe, stream));
  return state;
}

function leftoverWarning(id: string, left: number, outputCut: boolean, outputGraceMs: number): string {
  if (left === 0) return `${id}: its output was still held open ${outputGraceMs / 1000} s after its process exited, by a process outside its process group; stopped reading it`;
  const them = left === 1 ? 'it' : 'them';
  return `${id}: its process exited but left ${left} process${left === 1 ? '' : 'es'} of its group running (a background job such as \`cmd &\`)${outputCut ? ', holding its output open' : ''}: ended ${them}`;
}
