import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import type { PlannedTask, TaskOutcome } from '@orch/engine';
import { QUEUE_PREFIX } from './queueConnection.js';

/**
 * A job: one task of a distributed run. It names a task id, never a command: a worker runs the
 * task as its own checkout defines it, after checking the checkout is the coordinator's (same
 * commit, same plan, same hash).
 */
export interface DistributedJob {
  taskId: string;
  /** The task's hash on the coordinator; the worker's must be the same. */
  hash: string;
  /** Arguments the task gets (after `--`, for a task the user named). */
  args: string[];
}

/** What the coordinator records of its run for the workers (`orch:run:<queue>`). */
export interface RunDescription {
  /** `git rev-parse HEAD` of the coordinator's checkout. */
  commit: string;
  /** `planDigest` of the coordinator's plan. */
  planDigest: string;
  /** The task ids the run was asked for, and `--only`: a worker plans the same run to compare. */
  roots: string[];
  only: boolean;
}

/** What a worker says while it runs a job (BullMQ progress events). */
export type JobProgress = { kind: 'started'; worker: string; attempt: number } | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string };

/** A job's result: the task's outcome on the worker, with the worker's name. */
export type JobResult = TaskOutcome & { worker: string };

/** The queue of one run, named by its session id. */
export function queueName(sessionId: string): string {
  return `run-${sessionId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Redis keys beside BullMQ's: the runs workers serve, each run's description, the live workers, cancels. */
export const RUN_KEYS = {
  runs: `${QUEUE_PREFIX}:runs`,
  run: (queue: string) => `${QUEUE_PREFIX}:run:${queue}`,
  worker: (name: string) => `${QUEUE_PREFIX}:worker:${name}`,
  workerPattern: `${QUEUE_PREFIX}:worker:*`,
  /** Workers that take none of the run's jobs (worker name → why: another commit, uncommitted changes). */
  idle: (queue: string) => `${QUEUE_PREFIX}:run:${queue}:idle`,
  cancel: (queue: string) => `${QUEUE_PREFIX}:cancel:${queue}`,
  cancelPattern: `${QUEUE_PREFIX}:cancel:*`,
} as const;

/**
 * A job's id: the task, its hash and the coordinator's attempt, so `orch resume` of the same
 * session adds the same id and reattaches to the job a killed coordinator left (BullMQ ignores
 * an add of an id it holds), unless the task's inputs changed since: then the old job's result
 * is not this task's. BullMQ ids may not hold `:`.
 */
export function jobIdFor(taskId: string, hash: string, attempt: number): string {
  return `${createHash('sha256').update(taskId).digest('hex').slice(0, 24)}-${hash.slice(0, 16)}-${attempt}`;
}

/** A digest of a plan: its tasks and their dependencies (order-free). */
export function planDigest(plan: readonly PlannedTask[]): string {
  const tasks = plan.map((task) => [task.id, [...task.dependencies].sort()] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(tasks)).digest('hex').slice(0, 16);
}

const git = promisify(execFile);

/** The commit checked out at `root`, or `none` outside git or before the first commit. */
export async function headCommit(root: string): Promise<string> {
  return git('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).then(
    ({ stdout }) => stdout.trim(),
    () => 'none',
  );
}

/**
 * The tracked files of the checkout at `root` that differ from its commit (`git status
 * --porcelain --untracked-files=no`), orch's state folder aside: a worker with any would run
 * something the coordinator's commit does not hold, and poison the remote cache with it (issue
 * 16 findings #2). Empty outside git.
 */
export async function uncommittedFiles(root: string, stateDir: string): Promise<string[]> {
  try {
    const outside = isAbsolute(stateDir); // resolved config: absolute only when outside the root
    const { stdout } = await git('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no', '-z', '--', '.', ...(outside ? [] : [`:(exclude)${stateDir}`])], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    // -z: "XY path\0", a rename adds "\0old path".
    return stdout.split('\0').filter((entry) => /^.. /.test(entry)).map((entry) => entry.slice(3));
  } catch {
    return [];
  }
}
