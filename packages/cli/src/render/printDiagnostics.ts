import { foldRepeated, terminalText, type Diagnostic } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { formatDiagnostic, formatLocation } from './formatDiagnostic.js';

/**
 * Prints diagnostics to stderr, errors first then by place, one problem repeated in many tasks
 * once (`foldRepeated`); returns the counts of what was printed.
 */
export function printDiagnostics(diagnostics: readonly Diagnostic[], io: CliIO): { errors: number; warnings: number } {
  const shown = foldRepeated(byPlace(diagnostics));
  for (const diagnostic of shown) io.stderr(formatDiagnostic(diagnostic, io));
  const errors = shown.filter((d) => d.severity === 'error').length;
  return { errors, warnings: shown.length - errors };
}

/** At most this many errors that do not stop a command are printed, one line each. */
const OTHER_PROBLEMS_SHOWN = 10;

/**
 * For commands other than `validate`: the errors that stop this command in full (source line,
 * hint), and every other error as a one-line warning, since it does not touch what this command
 * does, unless a stopping error quotes it (a dependency's broken package.json, found by a fresh
 * tester, session 26). Warnings are left to `orch validate`. Returns how many errors stop the command, as printed (one repeated in many tasks counts once).
 */
export function printProblems(diagnostics: readonly Diagnostic[], stops: (diagnostic: Diagnostic) => boolean, io: CliIO): number {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const stopping = errors.filter(stops);
  // One a stopping error quotes whole (a dependency's broken package.json) is that error's, not unused.
  const quoted = (d: Diagnostic): boolean => stopping.some((stop) => stop !== d && stop.message.includes(d.message));
  const others = foldRepeated(byPlace(errors.filter((d) => !stops(d) && !quoted(d))));
  for (const diagnostic of others.slice(0, OTHER_PROBLEMS_SHOWN)) {
    const where = diagnostic.location ? `${formatLocation(diagnostic.location, io.cwd)}: ` : '';
    io.stderr(`${where}warning: ${terminalText(diagnostic.message)} [${diagnostic.code}]\n`);
  }
  if (others.length > 0) {
    const more = others.length > OTHER_PROBLEMS_SHOWN ? `, and ${others.length - OTHER_PROBLEMS_SHOWN} more` : '';
    io.stderr(`  hint: ${others.length === 1 ? 'this is an error' : 'these are errors'} in what this command does not use, so ${others.length === 1 ? 'it is' : 'they are'} only a warning here${more}; \`orch validate\` shows each in full\n`);
  }
  // Counted as printed: a problem repeated in 12 packages is one.
  return printDiagnostics(stopping, io).errors;
}

function byPlace(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      Number(a.severity === 'warning') - Number(b.severity === 'warning') ||
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0),
  );
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
