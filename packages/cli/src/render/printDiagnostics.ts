import type { Diagnostic } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { formatDiagnostic } from './formatDiagnostic.js';

/** Prints diagnostics to stderr, errors first then by place; returns the counts. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], io: CliIO): { errors: number; warnings: number } {
  const sorted = [...diagnostics].sort(
    (a, b) =>
      Number(a.severity === 'warning') - Number(b.severity === 'warning') ||
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0),
  );
  for (const diagnostic of sorted) io.stderr(formatDiagnostic(diagnostic, io));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { errors, warnings: diagnostics.length - errors };
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
