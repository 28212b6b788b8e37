import { definePlugin, formatMs } from '@orch/engine';
import { lineRenderer } from './lineRenderer.js';
import { progressLine, visibleLength } from './progressLine.js';
import { palette, shown } from './renderRun.js';

const PLUGIN_NAME = 'orch:reporter-tty';
const REFRESH_MS = 100;
/** Running tasks listed by name; the rest are counted. */
const LISTED = 8;

/**
 * The live terminal view: output lines scroll above a footer that shows the running tasks with
 * their elapsed time, a progress bar, done/failed/skipped counts, how many run and wait, and the
 * total time (the marks are explained in `orch run --help` and docs/logs.md). The footer follows
 * the terminal's width: on a resize (SIGWINCH, `EngineOutput.onResize`) it is erased as the
 * terminal now shows it (its lines rewrapped at the new width) and drawn again at that width.
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
      /** The footer as drawn: each line's visible width, to know how many rows it takes at any width. */
      let drawn: number[] = [];
      let timer: NodeJS.Timeout | undefined;
      let stopFollowing: (() => void) | undefined;

      const width = (): number => Math.max(20, engine.output.columns);
      const clear = (): string => {
        const rows = drawn.reduce((sum, visible) => sum + Math.max(1, Math.ceil(visible / width())), 0);
        drawn = [];
        return rows > 0 ? `\x1b[${rows}F\x1b[0J` : '';
      };
      const footer = (): string => {
        if (total === 0) return '';
        const now = performance.now();
        const lines = [...running].slice(0, LISTED).map(([id, since]) => `${chalk.cyan('●')} ${shown(id)} ${chalk.dim(formatMs(now - since))}`);
        if (running.size > LISTED) lines.push(chalk.dim(`  … and ${running.size - LISTED} more`));
        const finished = done + failed + skipped;
        const queued = Math.max(0, total - finished - running.size);
        lines.push(progressLine({ finished, total, done, failed, skipped, running: running.size, queued, elapsed: formatMs(now - started) }, width() - 1, chalk));
        const fitted = lines.map((line) => truncate(line, width()));
        drawn = fitted.map(visibleLength);
        return fitted.map((line) => `${line}\n`).join('');
      };
      const redraw = (): void => engine.output.write('stderr', clear() + footer());
      const print = (stream: 'stdout' | 'stderr', text: string): void => {
        // Output goes to stderr too while the footer is shown, so the two never interleave.
        engine.output.write('stderr', clear());
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
            stopFollowing = engine.output.onResize?.(redraw);
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
            stopFollowing?.();
            engine.output.write('stderr', clear());
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

/** Cuts a line to one less than the terminal width (the last column would wrap), ignoring colour codes when counting. */
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
