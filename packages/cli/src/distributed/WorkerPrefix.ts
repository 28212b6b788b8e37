/**
 * Puts a worker's name in front of every line of a task's output (`[ci-3] built app`), as the
 * coordinator prints it. Text may come in pieces that split lines (a replayed log): a piece that
 * continues a line of its stream gets no second prefix. Empty lines stay empty.
 */
export class WorkerPrefix {
  private readonly midLine = { stdout: false, stderr: false };

  constructor(private readonly worker: string) {}

  apply(stream: 'stdout' | 'stderr', text: string): string {
    if (text === '') return text;
    const tag = `[${this.worker}] `;
    const prefixed = text.replace(/\n(?=[^\n])/g, `\n${tag}`);
    const result = this.midLine[stream] || text.startsWith('\n') ? prefixed : tag + prefixed;
    this.midLine[stream] = !text.endsWith('\n');
    return result;
  }
}
