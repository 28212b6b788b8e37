import { defineGate, OutputTail, type CommandDefinition, type TaskContext } from '@orch/engine';
import * as v from 'valibot';

/**
 * Quality assurance: commands that must pass after the task, each a command id (its shell steps
 * run) or a shell line, in order. Configure per command (`gates: { orch:qa: { options: {
 * commands: [quality/verify] } } }`) or for all in the config.
 */
export function qaCommandsGate() {
  return defineGate<{ commands: string[] }>({
    name: 'orch:qa',
    stage: 'qa',
    optIn: true,
    timeoutMs: 30 * 60_000,
    description: 'commands that must pass after the task',
    options: v.strictObject({ commands: v.array(v.string()) }),
    async check({ task, options, engine }) {
      const executor = engine.hooks.execute.get('shell');
      if (!executor) return { status: 'fail', message: 'no shell executor to run the QA commands' };
      for (const name of options.commands) {
        const known = task.commands.get(name);
        const command: CommandDefinition = known ?? { ...task.command, id: name, kind: 'config', steps: [{ run: name }], dependencies: [] };
        // Its output goes to the task's log; its last lines explain a failure.
        const tail = new OutputTail(3);
        const sub: TaskContext = {
          ...task,
          id: `${task.id} qa ${name}`,
          command,
          args: [],
          output(stream, text) {
            tail.push(stream, text);
            return task.output(stream, text);
          },
        };
        const result = await executor.promise(sub);
        if (!result || result.exitCode !== 0) {
          const last = tail.snapshot().join(' | ');
          return { status: 'fail', message: `${name} failed (exit code ${result?.exitCode ?? '?'})${last ? `: ${last}` : ''}` };
        }
      }
      return { status: 'pass', message: `${options.commands.length} QA command${options.commands.length === 1 ? '' : 's'} passed` };
    },
  });
}
