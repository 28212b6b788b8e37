/** Signals that stop orch as Ctrl-C does: a closed terminal or dropped SSH connection (SIGHUP) included. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Runs `work` with a signal that aborts on the first of `STOP_SIGNALS` (the processes it started
 * are then stopped by their supervision, never left running); the handlers are removed after.
 * For commands outside a run that start processes: `show --render --exec`, `explain`.
 */
export async function whileStoppable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(new Error(signal));
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
