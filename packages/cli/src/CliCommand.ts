import type { CliOptions } from './parseCommandLine.js';

/** Where a subcommand writes, so tests can capture it. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  color: boolean;
  /** Colour was turned off on purpose (`NO_COLOR`, `--no-color`), not just for want of a terminal. */
  noColor?: boolean;
  /** Backpressure from the streams behind `stdout` and `stderr` (`outputFlow`); absent: none. */
  flow?: { congested(): boolean; drained(): Promise<void> };
  /**
   * Aborted when stdout's reader has gone (`orch status --watch | head -1`: EPIPE). A command
   * whose only product is its output ends there; one that runs tasks lets them finish and
   * records its session, its output dropped (issue 15, part 6).
   */
  outputClosed?: AbortSignal;
  /**
   * Set when the daemon serves the invocation (docs/daemon.md): called with the run's
   * `SessionRunOptions` before its session starts, it throws when the daemon leaves the run to
   * the client (anything but a full cache hit), before anything is done. Typed `unknown` so the
   * public `main()` does not carry the run's internal types.
   */
  admitRun?: (run: unknown) => Promise<void>;
  /**
   * Set when the daemon serves the invocation: work the command's result does not depend on
   * (`Engine.background`: a session's snapshot, pruning, metrics) is handed here and done after
   * the client has its exit code, before the daemon takes another invocation. Unset: done before
   * the command returns. What `work` returns are its failures: warnings, which the daemon logs and
   * shows at the start of the next invocation (the client that ran it is gone).
   */
  afterReply?: (work: () => Promise<readonly Error[]>) => void;
}

/** A subcommand module: `packages/cli/src/commands/<name>.ts`, loaded only when run. */
export interface CliCommand {
  name: string;
  usage: string;
  description: string;
  /** Its options, declared once: parsed, checked and shown by `--help` from here. */
  options: CliOptions;
  examples: string[];
  /**
   * What its names are, for shell completion (`orch completion`): `names` for the workspace's
   * command ids and targets (`orch run <TAB>`), or a fixed list (`orch cache <TAB>`). Absent: none.
   */
  operands?: 'names' | readonly string[];
  /** Returns the exit code. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

/** A line of orch's command table (main.ts): its summary for `orch --help`, and its module, loaded when used. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<CliCommand>;
}
