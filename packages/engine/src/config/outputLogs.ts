/**
 * How much of a task's output a run shows, as Turborepo's `--output-logs` and task `outputLogs`
 * (https://turbo.build/repo/docs/reference/run#--output-logs-option):
 * - `full`: everything the task prints;
 * - `new-only`: the output of tasks that ran, and one line for a cache hit;
 * - `errors-only`: the output of failed tasks only;
 * - `hash-only`: one line per task with its hash and whether the cache had it;
 * - `none`: nothing of the tasks (the summary still names failures).
 */
export type OutputLogs = 'full' | 'new-only' | 'errors-only' | 'hash-only' | 'none';

/** The `OutputLogs` modes, for validation, `--output-logs` and the config's `outputLogs`. */
export const OUTPUT_LOGS: readonly OutputLogs[] = ['full', 'new-only', 'errors-only', 'hash-only', 'none'];

/**
 * When a task's output is printed, as Turborepo's `--log-order`: `stream` as it comes
 * (interleaved between parallel tasks), `grouped` all at once when the task ends. `auto`
 * (default) is `grouped` in CI and `stream` elsewhere, as Turborepo's.
 */
export type LogOrder = 'stream' | 'grouped';

export const LOG_ORDERS = ['stream', 'grouped', 'auto'] as const;

/** How much orch says about itself (not its tasks): `--log-level`, `--verbose` (= `debug`). Default `info`. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Whether a message at `level` shows at the chosen `threshold` (default `info`). */
export function logLevelShows(level: LogLevel, threshold: LogLevel = 'info'): boolean {
  return RANK[level] <= RANK[threshold];
}
