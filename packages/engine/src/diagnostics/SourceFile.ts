import { readFileSync } from 'node:fs';
import type { Diagnostic, RelatedLocation, Severity, SourceLocation } from './Diagnostic.js';

/**
 * A text file held in memory with a line index, so offsets turn into `line:column` and
 * diagnostics can quote the source line.
 */
export class SourceFile {
  readonly file: string;
  readonly text: string;
  private lineStarts: number[] | undefined;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
  }

  /** The file as UTF-8, without a byte-order mark. Throws when it cannot be read. */
  static read(file: string): SourceFile {
    return new SourceFile(file, readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  }

  /** 1-based line and column of a 0-based character offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string | undefined {
    const starts = this.starts();
    const start = starts[line - 1];
    if (start === undefined) return undefined;
    const next = starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  /** A location for the range [start, end) of character offsets, clipped to its first line. */
  location(start: number, end = start + 1): SourceLocation {
    const from = this.position(start);
    const lineText = this.lineText(from.line) ?? '';
    const to = this.position(Math.max(start, end - 1));
    const endColumn = to.line === from.line ? to.column : Math.max(from.column, lineText.length);
    return { file: this.file, line: from.line, column: from.column, endColumn };
  }

  /** A location for a whole 1-based line, or the first occurrence of `needle` on it. */
  lineLocation(line: number, needle?: string): SourceLocation {
    const text = this.lineText(line) ?? '';
    const index = needle === undefined ? -1 : text.indexOf(needle);
    if (index < 0) return { file: this.file, line, column: 1, endColumn: Math.max(1, text.length) };
    return { file: this.file, line, column: index + 1, endColumn: index + needle!.length };
  }

  diagnostic(
    severity: Severity,
    code: string,
    message: string,
    location: SourceLocation,
    extra: { hint?: string; related?: RelatedLocation[] } = {},
  ): Diagnostic {
    const sourceLine = location.line === undefined ? undefined : this.lineText(location.line);
    return { severity, code, message, location, ...(sourceLine === undefined ? {} : { sourceLine }), ...extra };
  }

  private starts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
    return starts;
  }
}
