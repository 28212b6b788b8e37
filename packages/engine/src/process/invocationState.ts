/**
 * State a module keeps for the rest of the process that belongs to one orch invocation: what it
 * read from `process.env`, what it already said, files it read for an excerpt. A process that
 * serves many invocations (the daemon, docs/daemon.md) forgets it between them, so each one
 * sees its own environment and files exactly as a fresh `orch` would.
 */
const forgetters = new Set<() => void>();

/** Registers `forget`, called before each invocation a long-lived process serves. */
export function perInvocation(forget: () => void): void {
  forgetters.add(forget);
}

let startedAt = 0;

/**
 * Starts an invocation in a process that serves many (the daemon): forgets every module's
 * per-invocation state (`perInvocation`) and takes the time it starts at (`invocationStartedAt`).
 */
export function beginInvocation(): void {
  startedAt = performance.now();
  for (const forget of forgetters) forget();
}

/** When this invocation started, in `performance.now()` ms: 0 (the process's start) unless the daemon serves it. */
export function invocationStartedAt(): number {
  return startedAt;
}

/**
 * The query the daemon adds to the URL of each ES module of the workspace it imports
 * (`?orch-invocation=<n>`), so each invocation imports the config and its files anew as a fresh
 * process would (daemon/freshImports.ts); taken out of stack frames before a message shows them.
 */
export const INVOCATION_QUERY = /\?orch-invocation=\d+/g;
