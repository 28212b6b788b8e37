import { defineGate } from '@orch/engine';

/** Post-execution: the task's work ended successfully (exit code 0, every step completed). */
export function executionSuccessGate() {
  return defineGate({
    name: 'orch:execution-success',
    stage: 'post',
    description: 'the task exited with code 0 and completed every step',
    check({ task }) {
      const result = task.result;
      if (!result) return { status: 'fail', message: 'no execution result' };
      if (result.exitCode !== 0) return { status: 'fail', message: `exit code ${result.exitCode}` };
      const steps = task.command.steps.filter((step) => step.run !== undefined).length;
      if (result.completedSteps !== undefined && result.completedSteps < steps) return { status: 'fail', message: `${result.completedSteps} of ${steps} steps completed` };
      return { status: 'pass', message: `exit code 0${steps > 1 ? `, ${steps}/${steps} steps` : ''}` };
    },
  });
}
