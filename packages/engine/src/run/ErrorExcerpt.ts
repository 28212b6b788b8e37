import { stripVTControlCharacters } from 'node:util';
import type { OutputStream } from './OutputTail.js';

/**
 * Lines that look like the error itself, as the tools people run print it: `Error: …` and
 * `TypeError: …` (Node), `error TS2322` (tsc), `error[E0308]:` / `error:` (rustc, gcc, go),
 * `FAIL src/x.test.ts` (Jest, Vitest), `✗`/`✖`/`×` marks (Mocha, Vitest, ESLint's summary),
 * `  3:7  error  …` (ESLint), `npm ERR!`, `ERROR`, `panic:`, `fatal:`, Python's `Traceback`.
 * Matched on the line without colour codes.
 */
const ERROR_LINE = [
  /^\s*(?:Uncaught\s+)?[A-Z]?\w*(?:Error|Exception)(?:\s*\[[^\]]*\])?:\s/,
  /\berror TS\d+/,
  /^\s*error(?:\[[A-Z]?\d+\])?:/i,
  /^\s*(?:FAIL|FAILED)\b/,
  /^\s*[✗✘✖×]\s/,
  /^\s*\d+:\d+\s+error\s/,
  /\bERR!/,
  /^\s*\[?ERROR\]?\b/,
  /^\s*(?:panic|fatal):\s/,
  /^Traceback \(most recent call last\):/,
];

/** Lines kept before the error line (what led to it) and in all. */
export const EXCERPT_LIMITS = { before: 2, lines: 6, chars: 400 } as const;

/** The first error-looking line of a task's output with the lines around it. */
export interface FirstError {
  /** The error line's number in the task's log (1-based). */
  line: number;
  /** The lines before it kept for context (at most `EXCERPT_LIMITS.before`), it, and the lines after it. */
  lines: string[];
  /** Where the error line is in `lines`. */
  context: number;
}

/**
 * Finds the first error-looking line of a task's output as it arrives (issue 15, part 4: the
 * failure summary shows the error, not only the last lines of a stack trace that end after it),
 * in bounded memory: two lines of context before it and up to six in all, each cut at 400
 * characters. Lines are counted over both streams, as the log file interleaves them; each stream
 * keeps its own unfinished line. Once the excerpt is full the rest is only counted past.
 */
export class ErrorExcerpt {
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private readonly before: string[] = [];
  private found: FirstError | undefined;
  private lineCount = 0;

  push(stream: OutputStream, text: string): void {
    if (this.found && this.found.lines.length >= EXCERPT_LIMITS.lines) return;
    const joined = this.partial[stream] + text;
    const last = joined.lastIndexOf('\n');
    if (last < 0) {
      this.partial[stream] = clip(joined);
      return;
    }
    this.partial[stream] = clip(joined.slice(last + 1));
    if (this.found || mayHoldError(joined)) {
      for (const line of joined.slice(0, last).split('\n')) this.take(line);
      return;
    }
    // Nothing here can be an error line (most output): count the lines, keep the last ones for context.
    for (let at = joined.indexOf('\n'); at >= 0 && at <= last; at = joined.indexOf('\n', at + 1)) this.lineCount++;
    this.keepBefore(joined, last);
  }

  /** The excerpt, an unfinished last line included; undefined when nothing looked like an error. */
  snapshot(): FirstError | undefined {
    if (this.found) return { ...this.found, lines: [...this.found.lines] };
    for (const open of [this.partial.stdout, this.partial.stderr]) if (isErrorLine(open)) return { line: this.lineCount + 1, lines: [...this.before, open], context: this.before.length };
    return undefined;
  }

  private take(raw: string): void {
    this.lineCount++;
    const line = clip(raw);
    if (this.found) {
      if (this.found.lines.length < EXCERPT_LIMITS.lines) this.found.lines.push(line);
      return;
    }
    if (isErrorLine(line)) {
      this.found = { line: this.lineCount, lines: [...this.before, line], context: this.before.length };
      return;
    }
    this.remember(line);
  }

  /** Keeps the last non-blank lines of `text` that end at or before `end` (a newline) as the context before an error. */
  private keepBefore(text: string, end: number): void {
    const kept: string[] = [];
    for (let stop = end; stop > 0 && kept.length < EXCERPT_LIMITS.before; ) {
      const start = text.lastIndexOf('\n', stop - 1) + 1;
      const line = text.slice(start, stop);
      if (line.trim() !== '') kept.unshift(clip(line));
      stop = start - 1;
    }
    for (const line of kept) this.remember(line);
  }

  private remember(line: string): void {
    if (line.trim() === '') return;
    this.before.push(line);
    if (this.before.length > EXCERPT_LIMITS.before) this.before.shift();
  }
}

/** Words one of which every `ERROR_LINE` pattern needs: most output is passed over by these searches, far faster than the patterns. */
const ERROR_WORDS = ['rror', 'xception', 'FAIL', 'ERR', '✗', '✘', '✖', '×', 'panic', 'fatal', 'Traceback'];

function mayHoldError(text: string): boolean {
  return ERROR_WORDS.some((word) => text.includes(word));
}

/** Whether a line of output looks like an error (`ERROR_LINE`). */
export function isErrorLine(line: string): boolean {
  if (!mayHoldError(line)) return false;
  const plain = stripVTControlCharacters(line);
  return ERROR_LINE.some((pattern) => pattern.test(plain));
}

function clip(line: string): string {
  const cut = line.endsWith('\r') ? line.slice(0, -1) : line;
  return cut.length > EXCERPT_LIMITS.chars ? `${cut.slice(0, EXCERPT_LIMITS.chars - 1)}…` : cut;
}
