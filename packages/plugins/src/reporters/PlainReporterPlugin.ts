import { definePlugin, terminalText, type Engine, type OrchEvent } from '@orch/engine';
import { remoteCacheTrust } from '../cache/remoteCacheTrust.js';
import { claimLine, LineBuffer, recoveryLine, outcomeLine, palette, renderGateReport, renderSummary, shown, taskPrefix, type GateReport } from './renderRun.js';

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
  const gates = new Map<string, GateReport[]>();
  const prefixed = (id: string, stream: 'stdout' | 'stderr', lines: string[]): void => {
    if (lines.length > 0) print(stream, lines.map((line) => `${taskPrefix(id, chalk)}${line}\n`).join(''));
  };
  let session: string | undefined;
  return (event: OrchEvent): void => {
    switch (event.type) {
      case 'session-started':
        session = event.session.id;
        print('stderr', chalk.dim(`orch: session ${session}${event.session.resumed ? ' (resumed)' : ''}\n`));
        break;
      case 'task-recovery':
        // A strategy with nothing to do and nothing to say (no snapshot to roll back) stays quiet.
        if (event.message || event.action !== 'fail') prefixed(event.id, 'stderr', [recoveryLine(event, chalk)]);
        break;
      case 'compensation':
        prefixed(event.id, 'stderr', [`${event.status === 'passed' ? chalk.cyan('⟲') : chalk.red('✖')} compensated step ${event.step + 1} (${shown(event.name)})${event.message ? `: ${shown(event.message)}` : ''}`]);
        break;
      case 'breaker':
        if (event.state !== 'closed') print('stderr', chalk.yellow(`orch: circuit ${event.key} ${event.state} after ${event.failures} failure${event.failures === 1 ? '' : 's'}\n`));
        break;
      case 'run-started':
        print('stderr', chalk.dim(`orch: running ${event.tasks.length} task${event.tasks.length === 1 ? '' : 's'}, concurrency ${event.concurrency}\n`));
        break;
      case 'task-output':
        prefixed(event.id, event.stream, buffer.push(`${event.id}\0${event.stream}`, event.text));
        break;
      case 'task-stage':
        if (event.verdicts && event.verdicts.length > 0) {
          const reports = gates.get(event.id) ?? [];
          reports.push({ stage: event.stage, verdicts: event.verdicts });
          gates.set(event.id, reports);
          const report = reports.at(-1)!;
          if (report.verdicts.some((v) => v.status !== 'pass')) prefixed(event.id, 'stderr', renderGateReport(report, chalk));
        }
        break;
      case 'task-finished': {
        const id = event.outcome.id;
        for (const stream of ['stdout', 'stderr'] as const) prefixed(id, stream, buffer.flush(`${id}\0${stream}`));
        print('stderr', `${outcomeLine(event.outcome, chalk, gates.get(id))}\n`);
        gates.delete(id);
        break;
      }
      case 'task-claim':
        print('stderr', chalk.dim(`orch: ${claimLine(event)}\n`));
        break;
      case 'run-interrupted':
        print('stderr', chalk.yellow(`\norch: ${event.signal}: stopping running tasks (${event.signal === 'SIGINT' ? 'press Ctrl-C' : `send ${event.signal}`} again to kill them now)\n`));
        break;
      case 'run-finished':
        print('stderr', renderSummary(event.summary, chalk, session, remoteReadsNote(engine)));
        break;
      case 'warning':
        print('stderr', chalk.yellow(`warning: ${terminalText(event.message)}\n`));
        break;
      default:
        break;
    }
  };
}

/** The summary says when remote downloads were not verified, or not read at all (issue 11, part 3). */
function remoteReadsNote(engine: Engine): string | undefined {
  const remote = engine.config.cache.remote;
  if (!remote?.access.includes('r')) return undefined;
  const trust = remoteCacheTrust(remote);
  return trust.reads === 'verified' ? undefined : `remote cache reads ${trust.describe}`;
}
