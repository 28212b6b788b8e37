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
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
