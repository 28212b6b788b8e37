import { definePlugin } from '@orch/engine';

const PLUGIN_NAME = 'orch:deploy';

/**
 * Stage 6, deploy: chooses the executor. A `module` runs in a worker thread (`node`); shell
 * steps run in a child process (`shell`); a workflow made only of command steps has nothing of
 * its own to run (`none`); a markdown command without `run` is a prompt for an agent (`agent`).
 */
export function deployPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.deploy.tap(PLUGIN_NAME, (task) => {
        const { command } = task;
        if (command.metadata.module) return { executor: 'node' };
        if (command.steps.some((step) => step.run !== undefined)) return { executor: 'shell' };
        if (command.kind === 'workflow') return { executor: 'none' };
        if (command.kind === 'markdown') return { executor: 'agent' };
        return undefined;
      });
      engine.hooks.execute.for('none').tap(PLUGIN_NAME, () => ({ exitCode: 0, durationMs: 0 }));
    },
  });
}
