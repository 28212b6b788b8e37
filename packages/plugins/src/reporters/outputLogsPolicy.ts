import type { LogLevel, LogOrder, OrchEvent, OutputLogs, TaskStatus } from '@orch/engine';

/**
 * What a reporter does with a line a task prints: `print` it now, `hold` it until the task
 * ends (`--log-order=grouped`, or `errors-only` until it is known whether the task failed), or
 * `drop` it. Turborepo's meanings of `--output-logs` (see `OutputLogs`); a cache hit's output
 * is its replayed log.
 */
export function outputRoute(mode: OutputLogs, order: LogOrder, cached: boolean): 'print' | 'hold' | 'drop' {
  switch (mode) {
    case 'full':
      return order === 'grouped' ? 'hold' : 'print';
    case 'new-only':
      return cached ? 'drop' : order === 'grouped' ? 'hold' : 'print';
    case 'errors-only':
      return 'hold';
    case 'hash-only':
    case 'none':
      return 'drop';
  }
}

/** Whether what was held of a task's output is printed when it ends (`errors-only`: if it failed). */
export function releasesHeld(mode: OutputLogs, status: TaskStatus): boolean {
  return mode !== 'errors-only' || status === 'failed';
}

/** Whether a task's end gets its line (`✔ web#build (…)`): all of them, only those that did not succeed, or none. */
export function showsOutcome(mode: OutputLogs, status: TaskStatus): boolean {
  switch (mode) {
    case 'full':
    case 'new-only':
      return true;
    case 'errors-only':
    case 'hash-only':
      return status !== 'succeeded';
    case 'none':
      return false;
  }
}

/**
 * Whether a task's hash gets a line once the cache has answered (Turborepo's `cache miss,
 * executing <hash>` / `cache hit, suppressing logs <hash>`): under `hash-only`, as the one line
 * each task gets; under `full` and `new-only` at `--log-level=debug`. (A hit under `new-only`
 * has its end's line, `✔ web#build (cached local, …)`.)
 */
export function showsHashLine(mode: OutputLogs, level: LogLevel): boolean {
  return mode === 'hash-only' || ((mode === 'full' || mode === 'new-only') && level === 'debug');
}

/** The level of orch's own message about an event, for `--log-level`; undefined: not one of orch's own messages. */
export function messageLevel(event: OrchEvent): LogLevel | undefined {
  switch (event.type) {
    case 'warning':
    case 'breaker':
    case 'run-interrupted':
      return 'warn';
    case 'session-started':
    case 'run-started':
    case 'task-claim':
      return 'info';
    case 'plugins-applied':
    case 'discovery-finished':
      return 'debug';
    default:
      return undefined;
  }
}
