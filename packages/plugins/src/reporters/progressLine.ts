import { stripVTControlCharacters } from 'node:util';
import type { ChalkInstance } from 'chalk';

/** What the live view's last line counts. */
export interface Progress {
  finished: number;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  running: number;
  queued: number;
  /** Time since the run started, formatted (`formatMs`). */
  elapsed: string;
}

/** The progress bar's cells at most, and the fewest worth drawing. */
const BAR_CELLS = { max: 24, min: 6 } as const;

/**
 * The live view's progress line in at most `room` columns: `██░░ 2/4  ✔ 2  ✖ 0  ↷ 0  2 running ·
 * 0 queued  3.2s`. What a narrow terminal gives up first is the bar (it shrinks, down to
 * nothing), then the done/failed/skipped counts, then `2/4`; what runs and waits and the time
 * are kept (issue 15, finding 13: the 24-cell bar stayed while they were cut off).
 */
export function progressLine(progress: Progress, room: number, chalk: ChalkInstance): string {
  const share = `${progress.finished}/${progress.total}`;
  const counts = `${chalk.green(`✔ ${progress.done}`)}  ${chalk.red(`✖ ${progress.failed}`)}  ${chalk.dim(`↷ ${progress.skipped}`)}`;
  const activity = `${chalk.cyan(`${progress.running} running`)} · ${progress.queued} queued  ${chalk.dim(progress.elapsed)}`;
  const layouts = [`${share}  ${counts}  ${activity}`, `${share}  ${activity}`, activity];
  const text = layouts.find((layout) => visibleLength(layout) <= room) ?? activity;
  const cells = Math.min(BAR_CELLS.max, room - visibleLength(text) - 1);
  // The bar is only drawn beside the whole line: it is the first thing given up, not space taken back.
  if (text !== layouts[0] || cells < BAR_CELLS.min) return text;
  const filled = Math.round((progress.finished / progress.total) * cells);
  return `${chalk.green('█'.repeat(filled))}${chalk.dim('░'.repeat(cells - filled))} ${text}`;
}

/** Columns a line takes, colour codes aside. */
export function visibleLength(line: string): number {
  return stripVTControlCharacters(line).length;
}
