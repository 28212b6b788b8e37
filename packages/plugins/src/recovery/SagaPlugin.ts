import { definePlugin, type TaskContext, type TaskOutcome } from '@orch/engine';
import { runShellLine } from '../executors/ShellExecutorPlugin.js';

const PLUGIN_NAME = 'orch:saga';

/**
 * Saga compensation. When a command or workflow whose steps declare `compensate` does not
 * complete, the compensations of its completed steps run in reverse order, each recorded as a
 * `compensation` event. A `run` step completed when the task got past it; a workflow's command
 * step, when that command's task succeeded. Not on Ctrl-C: an interrupted session is resumed,
 * not undone.
 */
export function sagaPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.settle.tapPromise(PLUGIN_NAME, async ({ outcomes, tasks, signal }) => {
        if (signal.aborted) return;
        for (const [id, task] of tasks) {
          if (!task.command.steps.some((step) => step.compensate)) continue;
          const outcome = outcomes.get(id);
          if (!outcome || outcome.status === 'succeeded') continue;
          await compensate(task, completedSteps(task, outcomes));
        }
      });

      async function compensate(task: TaskContext, completed: number[]): Promise<void> {
        for (const index of [...completed].reverse()) {
          const step = task.command.steps[index]!;
          if (!step.compensate) continue;
          const started = performance.now();
          const name = step.name ?? step.command ?? step.run ?? `step ${index + 1}`;
          const result = await runShellLine(engine, task, step.compensate);
          engine.emit({
            type: 'compensation',
            id: task.id,
            step: index,
            name,
            status: result.exitCode === 0 ? 'passed' : 'failed',
            durationMs: performance.now() - started,
            ...(result.exitCode === 0 ? {} : { message: `\`${step.compensate}\` exited with code ${result.exitCode}` }),
          });
        }
      }
    },
  });
}

/** Indexes of the task's steps that completed: run steps it got past, command steps whose task succeeded. */
function completedSteps(task: TaskContext, outcomes: ReadonlyMap<string, TaskOutcome>): number[] {
  const runSteps = task.result?.completedSteps ?? 0;
  const edges = task.graph.nodes.get(task.id)?.dependencies ?? [];
  const completed: number[] = [];
  let runIndex = 0;
  for (const [index, step] of task.command.steps.entries()) {
    if (step.command !== undefined) {
      const ids = edges.filter((edge) => edge.spec === step.command).map((edge) => edge.to);
      if (ids.length > 0 && ids.every((id) => outcomes.get(id)?.status === 'succeeded')) completed.push(index);
    } else if (step.run !== undefined) {
      if (runIndex < runSteps) completed.push(index);
      runIndex++;
    }
  }
  return completed;
}
