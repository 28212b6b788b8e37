/**
 * The one error family of orch. Every expected failure carries a stable `code` that
 * callers switch on, and a `hint` that tells the user what to do next.
 */
export type OrchErrorCode =
  | 'config-not-found'
  | 'config-load-failed'
  | 'config-invalid'
  | 'plugin-not-found'
  | 'plugin-invalid'
  | 'plugin-failed'
  | 'command-not-found'
  | 'command-ambiguous'
  | 'invalid-command-id'
  | 'graph-invalid'
  | 'usage'
  | 'file-exists'
  | 'run-invalid'
  | 'prompt-invalid'
  /** A plugin fails a task on purpose, with a message meant for the user (not a plugin bug). */
  | 'stage-failed'
  | 'session-not-found'
  /** `orch logs`: the task has no log to show (it did not run, printed nothing, or its log was removed). */
  | 'log-not-found'
  /** Another live orch process holds the session or the tasks. */
  | 'session-locked'
  /** orch could not make its state durable (full disk, read-only folder). */
  | 'state-write-failed'
  /** `orch daemon start`: the daemon did not come up (docs/daemon.md). */
  | 'daemon-failed';

export interface OrchErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Diagnostics that explain the error in detail (file, line, column). */
  diagnostics?: readonly import('./diagnostics/Diagnostic.js').Diagnostic[];
  /** Facts for plugins (a failure's `kind` for recovery strategies). */
  details?: Record<string, unknown>;
}

export class OrchError extends Error {
  override readonly name = 'OrchError';
  readonly code: OrchErrorCode;
  readonly hint: string | undefined;
  readonly diagnostics: readonly import('./diagnostics/Diagnostic.js').Diagnostic[];
  readonly details: Record<string, unknown> | undefined;

  constructor(code: OrchErrorCode, message: string, options: OrchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.diagnostics = options.diagnostics ?? [];
    this.details = options.details;
  }
}

/**
 * True for any orch error, including ones that crossed a worker-thread boundary and so lost
 * their prototype: the guard matches on `name` and `code`, never on `instanceof` alone.
 */
export function isOrchError(value: unknown, code?: OrchErrorCode): value is OrchError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (!(value instanceof OrchError) && candidate.name !== 'OrchError') return false;
  return code === undefined || candidate.code === code;
}
