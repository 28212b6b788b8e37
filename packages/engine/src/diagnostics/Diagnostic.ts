/** Where something is written: a file and, when known, a 1-based line and column. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Last column (inclusive) on `line` that the problem covers; for the `~~~` underline. */
  endColumn?: number;
}

export type Severity = 'error' | 'warning';

/** A related place that explains a diagnostic, such as each edge of a cycle. */
export interface RelatedLocation {
  message: string;
  location: SourceLocation;
  sourceLine?: string;
}

/**
 * What a diagnostic is about. A run is refused only for errors in what it runs (issue 12): an
 * error owned by the config stops every run; one owned by a command or an agent stops the runs
 * that include that command or use that agent. A diagnostic without an owner belongs to the file
 * it names (see `blocksRun`).
 */
export type DiagnosticOwner = { kind: 'config' } | { kind: 'command'; id: string } | { kind: 'agent'; name: string };

/**
 * A problem found in configuration or command definitions. Collected, never thrown one by
 * one, so a user sees every problem of a repository in one pass.
 */
export interface Diagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `front-matter/yaml`, `graph/cycle`. */
  code: string;
  message: string;
  location?: SourceLocation;
  /** The text of `location.line`, kept so reporters need not read the file again. */
  sourceLine?: string;
  /** What to do about it ("did you mean …", what would be valid). */
  hint?: string;
  related?: RelatedLocation[];
  /** What it is about; without one, the file of `location`. */
  owner?: DiagnosticOwner;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
