import { definePlugin, type Engine, type OrchEvent } from '@orch/engine';
import { LineBuffer, outcomeLine, palette, renderSummary, taskPrefix } from './renderRun.js';

const PLUGIN_NAME = 'orch:reporter-plain';

/**
 * Prefixed lines, for logs and CI: every output line as `task: line`, a line when each task
 * ends, and the summary. Active when orch does not write to a terminal, or `CI` is set.
 */
export function plainReporterPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      if (engine.output.reporter !== 'plain') return;
      engine.hooks.event.tap(PLUGIN_NAME, lineRenderer(engine));
    },
  });
}

/** Renders events as lines through `print`; the TTY reporter reuses it above its live view. */
export function lineRenderer(engine: Engine, print = (stream: 'stdout' | 'stderr', text: string) => engine.output.write(stream, text)) {
  const chalk = palette(engine.output.color);
  const buffer = new LineBuffer();
  const prefixed = (id: string, stream: 'stdout' | 'stderr', lines: string[]): void => {
    if (lines.length > 0) print(stream, lines.map((line) => `${taskPrefix(id, chalk)}${line}\n`).join(''));
  };
  return (event: OrchEvent): void => {
    switch (event.type) {
      case 'run-started':
        print('stderr', chalk.dim(`orch: running ${event.tasks.length} task${event.tasks.length === 1 ? '' : 's'}, concurrency ${event.concurrency}\n`));
        break;
      case 'task-output':
        prefixed(event.id, event.stream, buffer.push(`${event.id}\0${event.stream}`, event.text));
        break;
      case 'task-finished':
        for (const stream of ['stdout', 'stderr'] as const) prefixed(event.outcome.id, stream, buffer.flush(`${event.outcome.id}\0${stream}`));
        print('stderr', `${outcomeLine(event.outcome, chalk)}\n`);
        break;
      case 'run-interrupted':
        print('stderr', chalk.yellow(`\norch: ${event.signal}: stopping running tasks (press Ctrl-C again to kill them now)\n`));
        break;
      case 'run-finished':
        print('stderr', renderSummary(event.summary, chalk));
        break;
      case 'warning':
        print('stderr', chalk.yellow(`warning: ${event.message}\n`));
        break;
      default:
        break;
    }
  };
}
