import { definePlugin } from '@orch/engine';
import { GroupSampler } from './GroupSampler.js';

const PLUGIN_NAME = 'orch:task-resources';

/** How often a running task's processes are sampled. */
export const TASK_SAMPLE_MS = 100;
/** Extra samples soon after a group starts (ms): a short task would otherwise end unseen. */
const EARLY_SAMPLES_MS = [10, 30, 60];

/**
 * What each task's processes use (issue 14, part 2): every process group a task starts
 * (`task-process` started) is sampled from /proc every `TASK_SAMPLE_MS` (its process tree, by
 * `/proc/<pid>/task/<pid>/children`; and a few times soon after it starts, so a short task is
 * seen at work) until it ends; then a `task-resources` event records its
 * CPU time and peak memory, for the session log, the metrics line, `orch status` and
 * `--profile`. Where there is no /proc nothing is sampled and no event is sent. One timer serves
 * every running group, and it does not keep orch alive.
 */
export function taskResourcesPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const groups = new Map<number, { id: string; sampler: GroupSampler }>();
      let timer: NodeJS.Timeout | undefined;
      const sampleAll = (): void => {
        for (const { sampler } of groups.values()) sampler.sample();
      };

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type !== 'task-process') return;
        const { pid } = event.process;
        if (event.state === 'started') {
          if (!GroupSampler.available()) return;
          const sampler = new GroupSampler(pid);
          sampler.sample();
          groups.set(pid, { id: event.id, sampler });
          for (const ms of EARLY_SAMPLES_MS) setTimeout(() => groups.get(pid)?.sampler.sample(), ms).unref();
          timer ??= setInterval(sampleAll, TASK_SAMPLE_MS).unref();
          return;
        }
        const group = groups.get(pid);
        if (!group) return;
        groups.delete(pid);
        if (groups.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
        // A group gone before its first sample was not measured at all: no figures rather than zeros.
        const used = group.sampler.totals();
        if (used.samples > 0) engine.emit({ type: 'task-resources', id: group.id, ...used });
      });

      engine.hooks.shutdown.tap(PLUGIN_NAME, () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        groups.clear();
      });
    },
  });
}
