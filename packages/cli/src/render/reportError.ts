import { ExitCode, isOrchError, terminalText } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { formatDiagnostic } from './formatDiagnostic.js';

/** Prints an error for a person and returns the exit code it means. */
export function reportError(error: unknown, io: CliIO): number {
  if (isOrchError(error)) {
    for (const diagnostic of error.diagnostics) io.stderr(formatDiagnostic(diagnostic, io));
    io.stderr(`orch: ${terminalText(error.message)}\n`);
    if (error.hint) io.stderr(`  hint: ${terminalText(error.hint)}\n`);
    switch (error.code) {
      case 'plugin-failed':
      case 'state-write-failed':
      case 'session-locked':
        return ExitCode.taskFailed;
      default:
        return ExitCode.usage;
    }
  }
  throw error;
}
