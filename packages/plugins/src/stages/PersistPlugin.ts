import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { definePlugin, STAGE_ORDER } from '@orch/engine';
import { TaskHistory } from '../state/TaskHistory.js';
import { TaskRecords } from '../state/TaskRecords.js';
import { metricsLine } from '../state/metricsLine.js';
import { TaskMeasures } from '../state/TaskMeasures.js';

const PLUGIN_NAME = 'orch:persist';

/**
 * Stage 10, persist: a completion marker for every task that succeeded (a record in the run's
 * TaskRecords file; a cache hit whose last marker has its hash keeps that marker), its duration
 * (for scheduling priorities next time), and a metrics line for every task that ran (the
 * reference design's fields, with what the task itself used: see `metricsLine`), written when
 * the run ends. The run's records are folded into the state folder's base file last.
 */
export function persistPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const history = new TaskHistory(resolve(engine.config.root, engine.config.stateDir));
      const records = TaskRecords.of(engine);
      const runId = randomUUID();
      let sessionId: string | undefined;
      const durations = new Map<string, number>();
      const metrics: object[] = [];
      const agentCounts = new Map<string, number>();
      const measured = new TaskMeasures();

      // Markers are written beside the next tasks, many in one write; the run waits for them
      // before it ends. A crash in between only makes a task run again.
      engine.hooks.persist.tapPromise(PLUGIN_NAME, async (task) => {
        const hash = task.data.get('orch:hash') as string | undefined;
        if (task.data.get('orch:cached')) {
          if (hash && (await records.hashOf('completed', task.id)) === hash) return;
        } else durations.set(task.id, task.result?.durationMs ?? 0);
        records.put('completed', task.id, { id: task.id, completedAt: new Date().toISOString(), runId, durationMs: task.result?.durationMs ?? 0, ...(hash ? { hash } : {}) });
      });

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type === 'agent-finished') agentCounts.set(event.id, (agentCounts.get(event.id) ?? 0) + 1);
        if (event.type === 'session-started') sessionId = event.session.id;
        measured.add(event);
        if (event.type !== 'task-finished') return;
        const { outcome } = event;
        const task = measured.take(outcome.id);
        if (outcome.status === 'skipped') return;
        metrics.push(metricsLine(outcome, task, { runId, sessionId, agents: agentCounts.get(outcome.id) ?? 0 }));
      });

      engine.hooks.shutdown.tap(PLUGIN_NAME, () => {
        const lines = metrics.splice(0);
        const taken = new Map(durations);
        durations.clear();
        // History and metrics inform later runs and reports, not this run's result.
        engine.background(PLUGIN_NAME, async () => {
          await Promise.all([history.recordDurations(taken), history.appendMetrics(lines)]);
        });
      });
      // After every plugin's own shutdown (the cache's fingerprints are records too).
      engine.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.late }, () => records.compact());
    },
  });
}
