/** At most this many characters of git's output are kept; the oldest answers go first. */
const MAX_KEPT_CHARS = 32 * 1024 * 1024;

/**
 * Git's answers the daemon keeps (`WorkTreeMemory.recallAnswer`, docs/daemon.md), each with a
 * stamp of what it depends on (the generations of the refs and the work tree it was asked at):
 * an answer is handed back only under the same stamp, and one whose stamp has passed is dropped
 * when it is next looked for. At most `maxChars` of output (a `git show` of a lockfile
 * may be megabytes), the least recently used dropped first.
 */
export class KeptGitAnswers {
  private readonly answers = new Map<string, { stamp: string; answer: string }>();
  private chars = 0;

  /** `maxChars`: at most this many characters of output kept (default 32 Mi). */
  constructor(private readonly maxChars = MAX_KEPT_CHARS) {}

  recall(key: string, stamp: string): string | undefined {
    const kept = this.answers.get(key);
    if (kept === undefined) return undefined;
    this.drop(key);
    if (kept.stamp !== stamp) return undefined;
    // Put back last: the Map's order is the order of use.
    this.keep(key, stamp, kept.answer);
    return kept.answer;
  }

  keep(key: string, stamp: string, answer: string): void {
    this.drop(key);
    if (answer.length > this.maxChars) return;
    this.answers.set(key, { stamp, answer });
    this.chars += answer.length;
    for (const [oldest] of this.answers) {
      if (this.chars <= this.maxChars) break;
      this.drop(oldest);
    }
  }

  clear(): void {
    this.answers.clear();
    this.chars = 0;
  }

  private drop(key: string): void {
    const kept = this.answers.get(key);
    if (kept === undefined) return;
    this.answers.delete(key);
    this.chars -= kept.answer.length;
  }
}
