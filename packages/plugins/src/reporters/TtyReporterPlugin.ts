import { definePlugin, formatMs } from '@orch/engine';
import { lineRenderer } from './PlainReporterPlugin.js';
import { palette, shown } from './renderRun.js';

const PLUGIN_NAME = 'orch:reporter-tty';
const REFRESH_MS = 100;

/**
 * The live terminal view: output lines scroll above a footer that shows the running tasks with
 * their elapsed time, done/failed/skipped counts, total time and a progress bar.
 */
export function ttyReporterPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      if (engine.output.reporter !== 'tty') return;
      const chalk = palette(engine.output.color);
      const running = new Map<string, number>();
      let total = 0;
      let done = 0;
      let failed = 0;
      let skipped = 0;
      let started = 0;
      let footerLines = 0;
      let timer: NodeJS.Timeout | undefined;

      const clear = (): string => (footerLines > 0 ? `\x1b[${footerLines}F\x1b[0J` : '');
      const footer = (): string => {
        if (total === 0) return '';
        const width = Math.max(20, engine.output.columns);
        const now = performance.now();
        const lines = [...running].slice(0, 8).map(([id, since]) => `${chalk.cyan('●')} ${shown(id)} ${chalk.dim(formatMs(now - since))}`);
        if (running.size > 8) lines.push(chalk.dim(`  … and ${running.size - 8} more`));
        const finished = done + failed + skipped;
        const barWidth = 24;
        const filled = Math.round((finished / total) * barWidth);
        const bar = `${chalk.green('█'.repeat(filled))}${chalk.dim('░'.repeat(barWidth - filled))}`;
        lines.push(`${bar} ${finished}/${total}  ${chalk.green(`✔ ${done}`)}  ${chalk.red(`✖ ${failed}`)}  ${chalk.dim(`↷ ${skipped}`)}  ${chalk.dim(formatMs(now - started))}`);
        footerLines = lines.length;
        return lines.map((line) => `${truncate(line, width)}\n`).join('');
      };
      const redraw = (): void => engine.output.write('stderr', clear() + footer());
      const print = (stream: 'stdout' | 'stderr', text: string): void => {
        // Output goes to stderr too while the footer is shown, so the two never interleave.
        engine.output.write('stderr', clear());
        footerLines = 0;
        engine.output.write(stream, text);
        engine.output.write('stderr', footer());
      };
      const lines = lineRenderer(engine, print);

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        switch (event.type) {
          case 'run-started':
            total = event.tasks.length;
            started = performance.now();
            timer = setInterval(redraw, REFRESH_MS);
            timer.unref();
            break;
          case 'task-started':
            running.set(event.id, performance.now());
            break;
          case 'task-finished':
            running.delete(event.outcome.id);
            if (event.outcome.status === 'succeeded') done++;
            else if (event.outcome.status === 'failed') failed++;
            else skipped++;
            break;
          case 'run-finished':
            if (timer) clearInterval(timer);
            engine.output.write('stderr', clear());
            footerLines = 0;
            total = 0;
            break;
          default:
            break;
        }
        lines(event);
      });
    },
  });
}

/** Cuts a line to the terminal width, ignoring colour codes when counting. */
function truncate(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width - 1) return `${out}\x1b[0m`;
    out += line[i];
    visible++;
  }
  return out;
}
