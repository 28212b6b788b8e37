import type { ChildProcess } from 'node:child_process';
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
}

/** How a task's process ended; `error` when it could not be started. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

export const DEFAULT_KILL_GRACE_MS = 3000;
export const DEFAULT_OUTPUT_GRACE_MS = 2000;

/**
 * Sees a task's process through to its end and leaves nothing of it behind. The child must
 * have been spawned `detached` (the leader of its own process group) with piped output.
 * - Its group is recorded in the session log (`task-process`) as it starts and once nothing of
 *   it is left, so that if orch is killed the next run can end it.
 * - When `task.signal` aborts, the group gets SIGTERM, and SIGKILL after `killGraceMs`.
 * - Output is read until the pipes close, but once the process itself has exited, for at most
 *   `outputGraceMs` more: a background job (`sleep 15 &`) that inherited the pipes no longer
 *   holds the task, and a long-lived one no longer hangs the run.
 * - Whatever still runs in its group then gets SIGTERM (SIGKILL after `killGraceMs`), with a
 *   warning; the promise resolves once the group is gone, so the task's outputs are final.
 */
export function superviseProcess(engine: Pick<Engine, 'emit'>, task: Pick<TaskContext, 'id' | 'signal'>, child: ChildProcess, options: SuperviseOptions = {}): Promise<ProcessEnd> {
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const outputGraceMs = options.outputGraceMs ?? DEFAULT_OUTPUT_GRACE_MS;
  const pgid = child.pid;
  if (pgid === undefined) return new Promise((resolve) => child.once('error', (error) => resolve({ code: null, signal: null, error })));

  trackGroup(pgid);
  const identity = processIdentity(pgid);
  engine.emit({ type: 'task-process', id: task.id, state: 'started', process: identity });
  return new Promise((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let outputCut = false;
    let outputTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      signalGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    if (task.signal.aborted) onAbort();
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      outputTimer = setTimeout(() => {
        outputCut = true;
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, outputGraceMs);
    });
    child.once('close', async (code, signal) => {
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

function leftoverWarning(id: string, left: number, outputCut: boolean, outputGraceMs: number): string {
  if (left === 0) return `${id}: its output was still held open ${outputGraceMs / 1000} s after its process exited, by a process outside its process group; stopped reading it`;
  const them = left === 1 ? 'it' : 'them';
  return `${id}: its process exited but left ${left} process${left === 1 ? '' : 'es'} of its group running (a background job such as \`cmd &\`)${outputCut ? ', holding its output open' : ''}: ended ${them}`;
}
