import { Chalk, type ChalkInstance } from 'chalk';
import { formatMs, type RunSummary, type TaskOutcome } from '@orch/engine';

export function palette(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

const PREFIX_COLORS = ['cyan', 'magenta', 'blue', 'yellow', 'green', 'redBright', 'cyanBright', 'magentaBright'] as const;

/** `id: ` in a colour stable for the id, so interleaved output stays readable. */
export function taskPrefix(id: string, chalk: ChalkInstance): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return chalk[PREFIX_COLORS[hash % PREFIX_COLORS.length]!](`${id}: `);
}

/** One line for a finished task. */
export function outcomeLine(outcome: TaskOutcome, chalk: ChalkInstance): string {
  const time = chalk.dim(`(${formatMs(outcome.durationMs)})`);
  switch (outcome.status) {
    case 'succeeded':
      return `${chalk.green('✔')} ${outcome.id} ${time}`;
    case 'failed':
      return `${chalk.red('✖')} ${outcome.id} failed at ${outcome.stage}: ${outcome.error ?? 'failed'} ${time}`;
    case 'cancelled':
      return `${chalk.yellow('■')} ${outcome.id} stopped ${time}`;
    case 'skipped':
      return `${chalk.dim(`↷ ${outcome.id} ${outcome.error ?? 'skipped'}`)}`;
  }
}

/** The end-of-run summary: counts, time, and each failure with its exit code and last lines. */
export function renderSummary(summary: RunSummary, chalk: ChalkInstance): string {
  const total = summary.tasks.length;
  const parts = [chalk.green(`${summary.succeeded} succeeded`)];
  if (summary.failed > 0) parts.push(chalk.red(`${summary.failed} failed`));
  if (summary.skipped > 0) parts.push(chalk.dim(`${summary.skipped} skipped`));
  if (summary.cancelled > 0) parts.push(chalk.yellow(`${summary.cancelled} stopped`));
  const lines = ['', `${chalk.bold(' Tasks:')}  ${parts.join(', ')} (${total} total)`, `${chalk.bold('  Time:')}  ${formatMs(summary.durationMs)}${summary.interrupted ? chalk.yellow('  (interrupted)') : ''}`];
  for (const failure of summary.tasks.filter((t) => t.status === 'failed')) {
    const exit = failure.exitCode === undefined ? '' : ` (exit code ${failure.exitCode})`;
    const why = failure.error && !/^exited with code \d+/.test(failure.error) ? `: ${failure.error}` : '';
    lines.push('', `${chalk.red.bold(' Failed:')} ${failure.id} at ${failure.stage}${exit}${why}`);
    for (const line of failure.tail ?? []) lines.push(chalk.dim(`   │ ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Splits streamed text into whole lines per task and stream, keeping partial lines until done. */
export class LineBuffer {
  private readonly partial = new Map<string, string>();

  push(key: string, text: string): string[] {
    const joined = (this.partial.get(key) ?? '') + text;
    const lines = joined.split('\n');
    this.partial.set(key, lines.pop()!);
    return lines;
  }

  /** What is left for a key (a last line without a newline). */
  flush(key: string): string[] {
    const rest = this.partial.get(key);
    this.partial.delete(key);
    return rest ? [rest] : [];
  }
}
