type Stream = 'stdout' | 'stderr';

/** The most of one task's output held in memory (UTF-16 code units), as orch's own output bound (`OUTPUT_BOUND`, 1 MB). */
export const HOLD_LIMIT = 1024 * 1024;

/**
 * A task's output lines held until it ends (`--log-order=grouped`, `--output-logs=errors-only`),
 * in bounded memory: past `HOLD_LIMIT`, `add` says so, and the caller either prints what is held
 * and goes on streaming (grouped: a task printing that much would otherwise hold orch's memory
 * and defeat the backpressure on its output) or keeps only the newest lines (errors-only, where
 * the whole log stays in its file: `dropped` counts what was let go).
 */
export class HeldOutput {
  private parts: { stream: Stream; lines: string[] }[] = [];
  private chars = 0;
  dropped = 0;

  /** Holds lines; true when more than `HOLD_LIMIT` is held now. */
  add(stream: Stream, lines: readonly string[]): boolean {
    const last = this.parts.at(-1);
    if (last?.stream === stream) last.lines.push(...lines);
    else this.parts.push({ stream, lines: [...lines] });
    for (const line of lines) this.chars += line.length + 1;
    return this.chars > HOLD_LIMIT;
  }

  /** Lets the oldest lines go until what is held fits `HOLD_LIMIT` again. */
  dropOldest(): void {
    while (this.chars > HOLD_LIMIT && this.parts.length > 0) {
      const first = this.parts[0]!;
      const line = first.lines.shift();
      if (line === undefined) {
        this.parts.shift();
        continue;
      }
      this.chars -= line.length + 1;
      this.dropped++;
    }
  }

  /** What is held, in order, and empties it. */
  take(): { stream: Stream; lines: string[] }[] {
    const parts = this.parts.filter((part) => part.lines.length > 0);
    this.parts = [];
    this.chars = 0;
    return parts;
  }
}
