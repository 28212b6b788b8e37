/** Process exit codes of the `orch` binary. Documented in the README. */
export const ExitCode = {
  ok: 0,
  /** A task failed. */
  taskFailed: 1,
  /** Bad usage, bad configuration or bad command definitions. */
  usage: 2,
  /** The session paused and waits for a person (manual intervention): `orch resume <id>` continues. */
  awaitingIntervention: 75,
  /** Interrupted by a signal (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
