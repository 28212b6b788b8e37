import { formatMs, terminalText } from '@orch/engine';
import { formatBytes } from '../render/formatBytes.js';
import type { SessionDashboard } from './sessionDashboard.js';

const RULE = '='.repeat(52);

/**
 * The dashboard as text, laid out as the reference design's `generate_performance_dashboard`
 * (its five sections under one banner). Task names and messages are made safe for a terminal.
 */
export function renderDashboard(view: SessionDashboard, now: Date): string {
  const { session, metrics } = view;
  const ongoing = session.status === 'running' || session.status === 'watching';
  const lines = [
    '=== COMMAND ORCHESTRATION PERFORMANCE DASHBOARD ===',
    `Session:   ${session.id}${session.runs > 1 ? ` (${session.runs} runs)` : ''}`,
    `Command:   orch ${session.argv.join(' ')}`,
    `Status:    ${session.status}${session.live ? ` (held by a live orch process)` : ''}`,
    `Started:   ${view.startedAt === undefined ? '-' : new Date(view.startedAt).toISOString()}   elapsed ${formatMs(view.elapsedMs)}`,
    `Timestamp: ${now.toISOString()}`,
    '',
    'ACTIVE COMMANDS:',
    ...(view.active.length === 0 ? ['  none'] : view.active.map((a) => `  ${a.id}  stage ${a.stage}${a.step ? `, step ${a.step.index} (${a.step.name}) done` : ''}  ${formatMs(a.elapsedMs)}${a.pid ? `  pid ${a.pid}` : ''}${a.resources ? `  cpu ${formatMs(a.resources.cpuMs)}, ${formatBytes(a.resources.peakRssBytes)}` : ''}`)),
    '',
    'EXECUTION METRICS:',
    `  tasks ${metrics.tasks}: ${metrics.done} done, ${metrics.running} running, ${metrics.queued} ${ongoing ? 'queued' : 'not run'}, ${metrics.failed} failed, ${metrics.cached} cached${metrics.skipped ? `, ${metrics.skipped} skipped` : ''}${metrics.cancelled ? `, ${metrics.cancelled} cancelled` : ''}${metrics.interrupted ? `, ${metrics.interrupted} interrupted` : ''}`,
    `  time ${formatMs(view.elapsedMs)}${metrics.estimatedRemainingMs === undefined ? '' : `, about ${formatMs(metrics.estimatedRemainingMs)} left (from past durations)`}`,
    `  cache hit rate ${metrics.cacheHitRate === undefined ? '-' : `${Math.round(metrics.cacheHitRate * 100)}%`}`,
    metrics.measured > 0 ? `  cpu ${formatMs(metrics.cpuMs)}, peak memory ${formatBytes(metrics.peakRssBytes)} (largest task; ${metrics.measured} task${metrics.measured === 1 ? '' : 's'} measured)` : '  cpu -, peak memory - (no task process measured)',
    ...view.workers.map((w) => `  worker ${w.name}: ${w.tasks.length} task${w.tasks.length === 1 ? '' : 's'} (${w.tasks.slice(0, 5).join(', ')}${w.tasks.length > 5 ? ', ...' : ''})`),
    ...view.failures.map((f) => `  FAILED ${f.id}${f.stage ? ` at ${f.stage}` : ''}${f.error ? `: ${f.error}` : ''}`),
    '',
    'AGENT STATUS:',
    ...(view.agents.length === 0
      ? ['  none']
      : view.agents.map((a) => `  ${a.task}  ${a.role}${a.model ? ` (${a.model})` : ''}  ${a.state}${a.failure ? ` (${a.failure})` : ''}${a.turns === undefined ? '' : `  ${a.turns} turn${a.turns === 1 ? '' : 's'}`}${a.costUsd === undefined ? '' : `  $${a.costUsd.toFixed(4)}`}${a.durationMs === undefined ? '' : `  ${formatMs(a.durationMs)}`}`)),
    '',
    'QUALITY GATES:',
    ...(view.gates.stages.length === 0 ? ['  none checked yet'] : view.gates.stages.map((s) => `  ${s.stage}: ${s.passed}/${s.total} passed`)),
    ...view.gates.problems.map((p) => `  ${p.status === 'fail' ? 'FAIL' : 'WARN'} ${p.task} ${p.stage}/${p.gate}: ${p.message}`),
    '',
    'DEPENDENCY STATUS:',
    ...(ongoing ? view.dependencies.waiting.map((w) => `  ${w.id} waits for ${w.on.length === 0 ? 'a free slot' : w.on.join(', ')}`) : []),
    `  critical path: ${view.dependencies.criticalPath.length === 0 ? '-' : view.dependencies.criticalPath.join(' → ')}`,
    RULE,
    '',
  ];
  return terminalText(lines.join('\n'));
}
