export type OutputStream = 'stdout' | 'stderr';

/** Where a kept line is in the task's log: its line number (1-based) and how many blank lines come right before it. */
export interface TailLine {
  line: number;
  blanksBefore: number;
}

/** How much of a task's output the failure summary shows, and the most it may hold. */
export const TAIL_LIMITS = {
  /** Lines shown under a failed task in the summary. */
  lines: 12,
  /** Characters kept in all (UTF-16 code units; a line longer than this keeps its end). */
  chars: 16 * 1024,
} as const;

/**
 * The last non-blank lines a task printed, for the failure summary, in bounded memory: at most
 * `maxLines` lines and `maxChars` characters, however much is printed and however long one line
 * gets (issue 11, part 13). Each stream keeps its own unfinished line, so stdout and stderr
 * written without newlines never join into one line. Chunks are scanned from their end: only
 * the lines that can survive are sliced out.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  /** Where each kept line is in the log, as `ErrorExcerpt` counts (both streams, blank lines too). */
  private readonly at: TailLine[] = [];
  private chars = 0;
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  /** Complete lines seen, and blank ones since the last kept line. */
  private lineCount = 0;
  private blankRun = 0;

  constructor(
    readonly maxLines: number = TAIL_LIMITS.lines,
    readonly maxChars: number = TAIL_LIMITS.chars,
  ) {}

  push(stream: OutputStream, text: string): void {
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.partial[stream] = this.clip(this.partial[stream] + text);
      return;
    }
    let complete = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) complete++;
    // The chunk's complete lines, newest first, until enough non-blank ones are found.
    const found: string[] = [];
    let end = last;
    let kept = 0;
    while (kept < this.maxLines) {
      const start = text.lastIndexOf('\n', end - 1);
      const line = start < 0 || end === 0 ? this.partial[stream] + text.slice(0, end) : text.slice(start + 1, end);
      found.push(line);
      if (line.trim() !== '') kept++;
      if (start < 0 || end === 0) break;
      end = start;
    }
    this.partial[stream] = this.clip(text.slice(last + 1));
    // Lines of the chunk not found (older than the kept ones) are counted past; blank ones between are not known.
    if (complete > found.length) this.blankRun = 0;
    const first = this.lineCount + complete - found.length;
    for (let i = found.length - 1; i >= 0; i--) this.add(found[i]!, first + found.length - i);
    this.lineCount += complete;
  }

  /** The kept lines, oldest first, then each stream's unfinished line; at most `maxLines`. */
  snapshot(): string[] {
    return this.numbered().map((entry) => entry.text);
  }

  /** `snapshot()` with where each line is in the log (issue 15, finding 15: the summary says what it leaves out). */
  numbered(): (TailLine & { text: string })[] {
    const kept = this.lines.map((text, index) => ({ text, ...this.at[index]! }));
    let line = this.lineCount;
    for (const text of [this.partial.stdout, this.partial.stderr]) if (text.trim() !== '') kept.push({ text, line: ++line, blanksBefore: 0 });
    return kept.slice(-this.maxLines);
  }

  private add(line: string, number: number): void {
    if (line.trim() === '') {
      this.blankRun++;
      return;
    }
    const kept = this.clip(line);
    this.lines.push(kept);
    this.at.push({ line: number, blanksBefore: this.blankRun });
    this.blankRun = 0;
    this.chars += kept.length;
    while (this.lines.length > this.maxLines || this.chars > this.maxChars) {
      this.chars -= this.lines.shift()!.length;
      this.at.shift();
    }
  }

  /**
   * At most `maxChars`, keeping the end (nearest to where the task stopped), and copied: a slice
   * of a large chunk would otherwise keep the whole chunk alive.
   */
  private clip(line: string): string {
    const cut = line.length > this.maxChars ? `…${line.slice(line.length - this.maxChars + 1)}` : line;
    return cut.length > 12 ? Buffer.from(cut, 'utf8').toString('utf8') : cut;
  }
}
