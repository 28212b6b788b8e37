import { constants, hostname } from 'node:os';
import { Chalk, type ChalkInstance } from 'chalk';
import { formatMs, STAGE_TITLES, terminalText, type ClaimHolder, type GateVerdict, type OrchEvent, type RecoveryRecord, type RunSummary, type TaskOutcome } from '@orch/engine';

/**
 * A name or message from files (a task id is a file's name; a message may quote a description)
 * as one line with its control characters escaped, before orch adds its own colours.
 */
export function shown(text: string): string {
  return terminalText(text, { oneLine: true });
}

export function palette(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

const PREFIX_COLORS = ['cyan', 'magenta', 'blue', 'yellow', 'green', 'redBright', 'cyanBright', 'magentaBright'] as const;

/** `id: ` in a colour stable for the id, so interleaved output stays readable. */
export function taskPrefix(id: string, chalk: ChalkInstance): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return chalk[PREFIX_COLORS[hash % PREFIX_COLORS.length]!](`${shown(id)}: `);
}

/** The verdicts of one gate stage of a task. */
export interface GateReport {
  stage: string;
  verdicts: GateVerdict[];
}

const GATE_MARKS = { pass: '✔', warn: '⚠', fail: '✖' } as const;

/** `Quality gates passed (5/5)` and, when any warned or failed, a line per gate. */
export function renderGateReport(report: GateReport, chalk: ChalkInstance): string[] {
  const passed = report.verdicts.filter((v) => v.status !== 'fail').length;
  const failed = passed < report.verdicts.length;
  const title = STAGE_TITLES[report.stage as keyof typeof STAGE_TITLES] ?? report.stage;
  const head = `${title} ${failed ? chalk.red('failed') : 'passed'} (${passed}/${report.verdicts.length})`;
  if (!report.verdicts.some((v) => v.status !== 'pass')) return [head];
  const colour = { pass: chalk.green, warn: chalk.yellow, fail: chalk.red };
  return [head, ...report.verdicts.map((v) => `  ${colour[v.status](GATE_MARKS[v.status])} ${shown(v.gate)}: ${shown(v.message)}`)];
}

/** One line for a finished task. */
export function outcomeLine(outcome: TaskOutcome, chalk: ChalkInstance, gates: readonly GateReport[] = []): string {
  const counts = gates.map((g) => `${g.verdicts.filter((v) => v.status !== 'fail').length}/${g.verdicts.length}`);
  const time = chalk.dim(`(${outcome.cached ? `cached ${outcome.cached}, ` : ''}${formatMs(outcome.durationMs)}${counts.length > 0 ? `, gates ${counts.join(' · ')}` : ''})`);
  const id = shown(outcome.id);
  switch (outcome.status) {
    case 'succeeded':
      if (outcome.resumed) return `${chalk.green('✔')} ${id} ${chalk.dim('(done before, unchanged)')}`;
      return `${chalk.green('✔')} ${id} ${time}${outcome.attempts ? chalk.dim(` after ${outcome.attempts} attempts`) : ''}`;
    case 'failed':
      if (outcome.intervention) return `${chalk.magenta('⏸')} ${id} awaits intervention (failed at ${outcome.stage}) ${time}`;
      return `${chalk.red('✖')} ${id} failed at ${outcome.stage}: ${shown(outcome.error ?? 'failed')} ${time}`;
    case 'cancelled':
      return `${chalk.yellow('■')} ${id} stopped ${time}`;
    case 'skipped':
      return `${chalk.dim(`↷ ${id} ${shown(outcome.error ?? 'skipped')}`)}`;
  }
}

/**
 * The end-of-run summary: counts, time, a note on the remote cache's trust when it is not
 * verified, and each failure with its exit code and last lines.
 */
export function renderSummary(summary: RunSummary, chalk: ChalkInstance, session?: string, remoteNote?: string): string {
  const total = summary.tasks.length;
  // A task done before (`orch resume`) is counted there, not again as succeeded: the parts add up to the total.
  const resumed = summary.tasks.filter((t) => t.resumed).length;
  const cached = summary.tasks.filter((t) => t.cached && !t.resumed).length;
  const parts = [chalk.green(`${summary.succeeded - resumed} succeeded${cached > 0 ? ` (${cached} cached)` : ''}`)];
  const failed = summary.failed - summary.awaitingIntervention;
  if (failed > 0) parts.push(chalk.red(`${failed} failed`));
  if (summary.skipped > 0) parts.push(chalk.dim(`${summary.skipped} skipped`));
  if (summary.cancelled > 0) parts.push(chalk.yellow(`${summary.cancelled} stopped`));
  if (summary.awaitingIntervention > 0) parts.push(chalk.magenta(`${summary.awaitingIntervention} awaiting intervention`));
  if (resumed > 0) parts.push(chalk.dim(`${resumed} done before`));
  const lines = ['', `${chalk.bold(' Tasks:')}  ${parts.join(', ')} (${total} total)`, `${chalk.bold('  Time:')}  ${formatMs(summary.durationMs)}${summary.interrupted ? chalk.yellow('  (interrupted)') : ''}`];
  if (remoteNote) lines.push(`${chalk.bold('Remote:')}  ${chalk.yellow(remoteNote)}`);
  for (const paused of summary.tasks.filter((t) => t.intervention)) {
    lines.push('', `${chalk.magenta.bold(' Paused:')} ${shown(paused.intervention!.reason)}`, `   ${chalk.bold('to do:')} ${shown(paused.intervention!.todo)}`);
  }
  for (const failure of summary.tasks.filter((t) => t.status === 'failed' && !t.intervention)) lines.push('', ...renderFailure(failure, chalk));
  if (session) {
    const unfinished = summary.interrupted || summary.failed > 0 || summary.cancelled > 0;
    lines.push('', chalk.dim(`Session: ${session}${unfinished ? ` · \`orch resume ${session}\` continues it` : ''}`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A failed task in the summary: where and why it failed (an exit code with what it usually
 * means), the first error-looking line it printed with the lines around it and its line in the
 * log, then its last lines after those, and how to read the whole log (issue 15, part 4: the
 * error itself, not the end of a stack trace that follows it). Lines left out between what is
 * shown are counted (`… 21 lines`), so a cut stack trace reads as cut (finding 15).
 */
export function renderFailure(failure: TaskOutcome, chalk: ChalkInstance): string[] {
  const exit = failure.exitCode === undefined ? '' : ` (exit code ${failure.exitCode}${exitMeaning(failure.exitCode)})`;
  const why = failure.error && !/^exited with code \d+/.test(failure.error) ? `: ${shown(failure.error)}` : '';
  const lines = [`${chalk.red.bold(' Failed:')} ${shown(failure.id)} at ${failure.stage}${exit}${why}`];
  const quote = (line: string): string => chalk.dim(`   │ ${line}`);
  const skipped = (count: number): string => chalk.dim(`   │ … ${count} line${count === 1 ? '' : 's'}`);
  const tail = (failure.tail ?? []).map((text, index) => ({ text, at: failure.tailAt?.[index] }));
  const error = failure.firstError;
  if (!error) {
    const cut = (tail[0]?.at?.line ?? 1) - 1 - (tail[0]?.at?.blanksBefore ?? 0);
    return [...lines, ...(cut > 0 ? [skipped(cut)] : []), ...tail.map((line) => quote(line.text)), ...logLine(failure, chalk)];
  }
  lines.push(`   ${chalk.red('error')} ${chalk.dim(`(line ${error.line} of the log):`)}`, ...error.lines.map(quote));
  const excerptEnd = error.line + error.lines.length - 1 - error.context;
  // Without line numbers (an outcome from an older orch), the tail's lines after the error are those after its own copy of the error line.
  const errorInTail = tail.findIndex((line) => line.text === error.lines[error.context]);
  const after = tail.filter((line, index) => (line.at ? line.at.line > excerptEnd : errorInTail < 0 || index > errorInTail + error.lines.length - 1 - error.context));
  const shownAfter = after.slice(-TAIL_AFTER_ERROR);
  const first = shownAfter[0]?.at;
  if (first) {
    const cut = first.line - excerptEnd - 1 - first.blanksBefore;
    if (cut > 0) lines.push(skipped(cut));
  } else if (shownAfter.length > 0) lines.push(chalk.dim('   last lines:'));
  lines.push(...shownAfter.map((line) => quote(line.text)), ...logLine(failure, chalk));
  return lines;
}

function logLine(failure: TaskOutcome, chalk: ChalkInstance): string[] {
  return failure.log ? [chalk.dim(`   whole log: ${failure.log} (orch logs ${shown(failure.id)})`)] : [];
}

/** The last lines shown after an error excerpt: where the task ended up. */
const TAIL_AFTER_ERROR = 5;

/** What an exit code usually means: 126 not executable, 127 not found, 128+n killed by signal n. */
export function exitMeaning(code: number): string {
  if (code === 126) return ': the command is not executable';
  if (code === 127) return ': command not found';
  if (code > 128 && code < 160) {
    const signal = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (signal) return `: killed by ${signal}${signal === 'SIGKILL' ? ', often out of memory' : ''}`;
  }
  return '';
}

/** One line for a recovery decision: what the strategy does about a failure (`↻` retry gives up under its own mark). */
export function recoveryLine(record: Omit<RecoveryRecord, 'id'>, chalk: ChalkInstance): string {
  const icon = record.action === 'retry' || record.strategy === 'retry' ? chalk.cyan('↻') : record.action === 'pause' ? chalk.magenta('⏸') : chalk.yellow('⟲');
  return `${icon} ${shown(record.strategy)} after ${record.stage} failed (attempt ${record.attempt}): ${shown(record.message)}`;
}

/** `waiting for web#build, running in session … (pid …)`, or that a dead holder's claim was taken over. */
export function claimLine(event: Extract<OrchEvent, { type: 'task-claim' }>): string {
  const holder = event.holder ? describeHolder(event.holder) : 'another orch process';
  if (event.state === 'waiting') return `waiting for ${shown(event.id)}, running in ${holder}`;
  const ended = event.ended ? `; ended ${event.ended} process${event.ended === 1 ? '' : 'es'} it had left running` : '';
  return `${shown(event.id)} was claimed by ${holder}, which died; taking it over${ended}`;
}

function describeHolder(holder: ClaimHolder): string {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  return `${holder.session ? `session ${holder.session}` : 'another run'} (pid ${holder.pid}${where})`;
}

/**
 * Splits streamed text into whole lines per task and stream, keeping partial lines until done.
 * A partial line is held up to `maxChars` (64 K characters by default): past that it is given as
 * a line of its own, so a task printing without newlines cannot fill memory (issue 11, part 13).
 */
export class LineBuffer {
  private readonly partial = new Map<string, string>();

  constructor(private readonly maxChars = 64 * 1024) {}

  push(key: string, text: string): string[] {
    const joined = (this.partial.get(key) ?? '') + text;
    const lines = joined.split('\n');
    let rest = lines.pop()!;
    while (rest.length > this.maxChars) {
      lines.push(rest.slice(0, this.maxChars));
      rest = rest.slice(this.maxChars);
    }
    if (rest === '') this.partial.delete(key);
    else this.partial.set(key, rest);
    return lines;
  }

  /** What is left for a key (a last line without a newline). */
  flush(key: string): string[] {
    const rest = this.partial.get(key);
    this.partial.delete(key);
    return rest ? [rest] : [];
  }
}
