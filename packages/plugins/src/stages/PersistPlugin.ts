import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { definePlugin } from '@orch/engine';
import { TaskHistory } from '../state/TaskHistory.js';
import { metricsLine } from '../state/metricsLine.js';
import { TaskMeasures } from '../state/TaskMeasures.js';

const PLUGIN_NAME = 'orch:persist';

/**
 * Stage 10, persist: a completion marker for every task that succeeded, its duration (for
 * scheduling priorities next time), and a metrics line for every task that ran (the reference
 * design's fields, with what the task itself used: see `metricsLine`), written when the run ends.
 */
export function persistPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const history = new TaskHistory(join(engine.config.root, engine.config.stateDir));
      const runId = randomUUID();
      let sessionId: string | undefined;
      const durations = new Map<string, number>();
      const metrics: object[] = [];
      const agentCounts = new Map<string, number>();
      const measured = new TaskMeasures();

      // Marker writes run beside the next tasks instead of in front of them; the run waits for
      // all of them before it ends. A crash in between only makes a task run again.
      const pending = new Set<Promise<void>>();
      engine.hooks.persist.tap(PLUGIN_NAME, (task) => {
        const durationMs = task.result?.durationMs ?? 0;
        durations.set(task.id, durationMs);
        const hash = task.data.get('orch:hash') as string | undefined;
        const write = history.writeMarker({ id: task.id, completedAt: new Date().toISOString(), runId, durationMs, ...(hash ? { hash } : {}) });
        pending.add(write);
        void write.finally(() => pending.delete(write)).catch(() => undefined);
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

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all([...pending, history.recordDurations(durations), history.appendMetrics(metrics.splice(0))]);
        durations.clear();
      });
    },
  });
}
