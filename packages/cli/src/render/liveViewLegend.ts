/** A heading, or a mark with what it means. */
type LegendRow = string | readonly [mark: string, meaning: string];

/**
 * What the marks of a run's output mean, for `orch run --help` and docs/logs.md (issue 15,
 * part 4). The marks are drawn by the reporters in `@orch/plugins` (TtyReporterPlugin,
 * renderRun.ts); test/cli/outputLogs.test.ts checks each one listed here is one they print.
 */
const LEGEND: readonly LegendRow[] = [
  'The live view (in a terminal; elsewhere the same lines without the footer):',
  ['● web#build 3.2s', 'a running task, and how long it has run'],
  ['██████░░░░ 3/10', 'tasks finished, of all the run has'],
  ['✔ 2  ✖ 1  ↷ 0', 'succeeded, failed, skipped or stopped so far'],
  ['2 running · 5 queued', 'running now; waiting for a dependency or a free slot'],
  ['1m 12s', 'time since the run started'],
  'A line as each task ends:',
  ['✔ web#build (cached local, 12ms, gates 5/5 · 3/3)', 'succeeded; restored from the local (or remote) cache; of each gate stage that ran (quality gates · quality assurance gates), gates passed/total'],
  ['✖ failed at <stage>', 'failed, and where'],
  ['■ stopped', 'interrupted'],
  ['↷ skipped', 'what it needs failed'],
  ['⏸ awaits intervention', 'paused for a person (orch resume)'],
  ['↻ retried', 'run again after a failure'],
  ['⟲ rolled back', "a failed task's files put back as before it ran, or a step compensated"],
  ['⚠ a gate warned', 'a gate passed with a warning'],
];

/** The column meanings start at, unless the terminal is too narrow for it. */
const MEANING_COLUMN = 26;

/**
 * The legend laid out for `width` columns (issue 15, finding 10: the help is wrapped at the
 * terminal's width, 80 when piped): a meaning too long for its line goes on under itself, at the
 * meaning column, so the marks stay in a column of their own; a mark too wide for its column gets
 * a line of its own.
 */
export function liveViewLegend(width: number): string {
  const indent = Math.max(8, Math.min(MEANING_COLUMN, Math.floor(width / 3)));
  const lines: string[] = [];
  for (const row of LEGEND) {
    if (typeof row === 'string') {
      lines.push(...wrap(row, width, ''));
      continue;
    }
    const [mark, meaning] = row;
    const term = `  ${mark}`;
    const wrapped = wrap(meaning, width, ' '.repeat(indent));
    if (term.length < indent - 1) lines.push(term.padEnd(indent) + wrapped[0]!.slice(indent), ...wrapped.slice(1));
    else lines.push(term, ...wrapped);
  }
  return lines.join('\n');
}

/** `text` cut at spaces into lines of at most `width` columns, each starting with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const room = Math.max(10, width - indent.length);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(indent + line);
  return lines;
}
