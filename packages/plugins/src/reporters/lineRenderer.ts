import { logLevelShows, terminalText, withoutRecoveryNote, type Engine, type OrchEvent, type OutputLogs, type RecoveryRecord, type TaskStatus } from '@orch/engine';
import { remoteCacheTrust } from '../cache/remoteCacheTrust.js';
import { HeldOutput } from './HeldOutput.js';
import { messageLevel, outputRoute, releasesHeld, showsHashLine, showsOutcome } from './outputLogsPolicy.js';
import { claimLine, LineBuffer, recoveryLine, outcomeLine, palette, renderGateReport, renderSummary, shown, taskPrefix, type GateReport } from './renderRun.js';

type Stream = 'stdout' | 'stderr';

/**
 * Renders events as lines through `print` (the plain reporter; the TTY reporter prints them
 * above its live view): each task's output as `task: line`, shown as its `outputLogs` mode and
 * the log order say (`engine.output`: `--output-logs` over the task's own, `--log-order`), a line
 * when each task ends, orch's own messages at `--log-level`, and the summary.
 */
export function lineRenderer(engine: Engine, print = (stream: Stream, text: string) => engine.output.write(stream, text)) {
  const chalk = palette(engine.output.color);
  const level = engine.output.logLevel ?? 'info';
  const order = engine.output.logOrder ?? 'stream';
  const buffer = new LineBuffer();
  const gates = new Map<string, GateReport[]>();
  const cached = new Set<string>();
  const held = new Map<string, HeldOutput>();
  /** Tasks whose held output outgrew the bound: printed as it comes from then on. */
  const spilled = new Set<string>();
  const taskModes = new Map<string, OutputLogs>();
  /** What a task's recovery said when it gave up, printed on a line of its own. */
  const said = new Map<string, Pick<RecoveryRecord, 'strategy' | 'message'>>();
  engine.hooks.discovered.tap('orch:reporter-lines', (registry) => {
    for (const command of registry.commands.values()) if (command.metadata.outputLogs) taskModes.set(command.id, command.metadata.outputLogs);
  });
  const modeOf = (id: string): OutputLogs => engine.output.outputLogs ?? taskModes.get(id) ?? 'full';
  const prefixed = (id: string, stream: Stream, lines: string[]): void => {
    if (lines.length > 0) print(stream, lines.map((line) => `${taskPrefix(id, chalk)}${line}\n`).join(''));
  };
  const routeOf = (id: string) => (spilled.has(id) ? 'print' : outputRoute(modeOf(id), order, cached.has(id)));
  const taskOutput = (id: string, stream: Stream, lines: string[]): void => {
    if (lines.length === 0) return;
    const route = routeOf(id);
    if (route === 'print') prefixed(id, stream, lines);
    if (route === 'hold') hold(id, stream, lines);
  };
  /**
   * orch's own lines about a task (a recovery, a compensation, a gate's report) go where its
   * output goes: held with it while it is held, so they come after what it printed, never
   * before (issue 15, finding 14); printed when its output is dropped (they are not its output).
   */
  const taskNote = (id: string, lines: string[]): void => {
    flushPartial(id);
    if (routeOf(id) === 'hold') hold(id, 'stderr', lines);
    else prefixed(id, 'stderr', lines);
  };
  const flushPartial = (id: string): void => {
    for (const stream of ['stdout', 'stderr'] as const) taskOutput(id, stream, buffer.flush(`${id}\0${stream}`));
  };
  const hold = (id: string, stream: Stream, lines: string[]): void => {
    const kept = held.get(id) ?? new HeldOutput();
    held.set(id, kept);
    if (!kept.add(stream, lines)) return;
    if (modeOf(id) === 'errors-only') kept.dropOldest();
    else {
      spilled.add(id);
      release(id, kept);
    }
  };
  const release = (id: string, kept: HeldOutput): void => {
    if (kept.dropped > 0) prefixed(id, 'stderr', [chalk.dim(`… ${kept.dropped} earlier line${kept.dropped === 1 ? '' : 's'} not held (orch logs ${shown(id)} shows them)`)]);
    for (const part of kept.take()) prefixed(id, part.stream, part.lines);
  };
  const taskEnded = (id: string, status: TaskStatus): void => {
    flushPartial(id);
    const kept = held.get(id);
    held.delete(id);
    cached.delete(id);
    spilled.delete(id);
    if (kept && releasesHeld(modeOf(id), status)) release(id, kept);
  };
  const say = (text: string): void => print('stderr', text);
  let session: string | undefined;
  return (event: OrchEvent): void => {
    const own = messageLevel(event);
    if (own && !logLevelShows(own, level)) return;
    switch (event.type) {
      case 'plugins-applied':
        say(chalk.dim(`orch: plugins: ${event.plugins.join(', ')}\n`));
        break;
      case 'discovery-finished':
        say(chalk.dim(`orch: found ${event.commands} commands, ${event.projects} projects, ${event.agents} agents in ${Math.round(event.durationMs)} ms\n`));
        break;
      case 'session-started':
        session = event.session.id;
        say(chalk.dim(`orch: session ${session}${event.session.resumed ? ' (resumed)' : ''}\n`));
        break;
      case 'task-recovery':
        // A strategy with nothing to do and nothing to say (no snapshot to roll back, `recovery: none`) stays quiet.
        if (modeOf(event.id) === 'none' || (!event.message && event.action === 'fail')) break;
        taskNote(event.id, [recoveryLine(event, chalk)]);
        // Said once: the task's `✖` line leaves it out.
        if (event.action === 'fail') said.set(event.id, event);
        break;
      case 'compensation':
        if (modeOf(event.id) !== 'none') taskNote(event.id, [`${event.status === 'passed' ? chalk.cyan('⟲') : chalk.red('✖')} compensated step ${event.step + 1} (${shown(event.name)})${event.message ? `: ${shown(event.message)}` : ''}`]);
        break;
      case 'breaker':
        if (event.state !== 'closed') say(chalk.yellow(`orch: circuit ${event.key} ${event.state} after ${event.failures} failure${event.failures === 1 ? '' : 's'}\n`));
        break;
      case 'run-started':
        say(chalk.dim(`orch: running ${event.tasks.length} task${event.tasks.length === 1 ? '' : 's'}, concurrency ${event.concurrency}\n`));
        break;
      case 'task-hashed':
        if (event.cached) cached.add(event.id);
        if (showsHashLine(modeOf(event.id), level)) {
          const short = event.hash.slice(0, 16);
          prefixed(event.id, 'stderr', [chalk.dim(event.cached ? `cache hit (${event.cached}), ${outputRoute(modeOf(event.id), order, true) === 'drop' ? 'suppressing output' : 'replaying output'} ${short}` : `cache miss, executing ${short}`)]);
        }
        break;
      case 'task-output':
        taskOutput(event.id, event.stream, buffer.push(`${event.id}\0${event.stream}`, event.text));
        break;
      case 'task-stage':
        if (level === 'debug') say(chalk.dim(`orch: ${shown(event.id)}: ${event.stage} ${event.status} in ${Math.round(event.durationMs)} ms\n`));
        if (event.verdicts && event.verdicts.length > 0) {
          const reports = gates.get(event.id) ?? [];
          reports.push({ stage: event.stage, verdicts: event.verdicts });
          gates.set(event.id, reports);
          const report = reports.at(-1)!;
          if (modeOf(event.id) !== 'none' && report.verdicts.some((v) => v.status !== 'pass')) taskNote(event.id, renderGateReport(report, chalk));
        }
        break;
      case 'task-finished': {
        const { id, status } = event.outcome;
        taskEnded(id, status);
        const recovery = said.get(id);
        const outcome = recovery && event.outcome.error ? { ...event.outcome, error: withoutRecoveryNote(event.outcome.error, recovery.strategy, recovery.message) } : event.outcome;
        if (showsOutcome(modeOf(id), status)) say(`${outcomeLine(outcome, chalk, gates.get(id))}\n`);
        gates.delete(id);
        said.delete(id);
        break;
      }
      case 'task-claim':
        say(chalk.dim(`orch: ${claimLine(event)}\n`));
        break;
      case 'run-interrupted':
        say(chalk.yellow(`\norch: ${event.signal}: stopping running tasks (${event.signal === 'SIGINT' ? 'press Ctrl-C' : `send ${event.signal}`} again to kill them now)\n`));
        break;
      case 'run-finished':
        say(renderSummary(event.summary, chalk, session, remoteReadsNote(engine)));
        break;
      case 'warning':
        say(chalk.yellow(`warning: ${terminalText(event.message)}\n`));
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
