import { definePlugin, STAGE_ORDER } from '@orch/engine';
import { detachedProcesses } from './detachedProcesses.js';

const PLUGIN_NAME = 'orch:detached-processes';

/**
 * Names what tasks started that outlives the run (FINDINGS-11, 4). Everything in a task's
 * process group is ended with it; a process that left the group (`setsid`, a daemon) is out of
 * orch's reach without cgroups, so once every task has ended (`settle`, after compensations) the
 * processes that still carry this run's `ORCH_RUN_ID` get one warning per task (one scan of
 * `/proc`, a few milliseconds, only when the run started a process). Nothing is signalled: such
 * a process may be meant to outlive the run (a dev server, `pm2`).
 */
export function detachedProcessesPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      // A run that started no process (a full cache hit, module tasks only) has nothing to look for.
      let started = false;
      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type === 'task-process') started = true;
      });
      engine.hooks.settle.tap({ name: PLUGIN_NAME, stage: STAGE_ORDER.late }, () => {
        if (!started) return;
        const byTask = new Map<string, string[]>();
        for (const found of detachedProcesses()) byTask.set(found.task, [...(byTask.get(found.task) ?? []), `pid ${found.pid} (${found.command})`]);
        for (const [task, processes] of byTask) {
          const one = processes.length === 1;
          const them = one ? 'it' : 'them';
          engine.emit({
            type: 'warning',
            message: `${task}: ${one ? '1 process it started has' : `${processes.length} processes it started have`} left its process group and still ${one ? 'runs' : 'run'} (setsid, a daemon): ${processes.join(', ')}; orch cannot end ${them}, stop ${them} if ${one ? 'it is' : 'they are'} not meant to outlive the run`,
            source: PLUGIN_NAME,
          });
        }
      });
    },
  });
}
