import { defineGate } from '@orch/engine';
import * as v from 'valibot';

/**
 * Pre-execution: the session's complexity budget (points from triage: simple 1, medium 3,
 * complex 8) is not exceeded by starting this task.
 */
export function complexityBudgetGate() {
  return defineGate<{ budget?: number }>({
    name: 'orch:complexity-budget',
    stage: 'pre',
    description: 'the session stays within its complexity budget',
    options: v.strictObject({ budget: v.optional(v.pipe(v.number(), v.minValue(0))) }),
    check({ task, options }) {
      const budget = options.budget ?? task.budget;
      const points = task.profile?.budgetPoints ?? 0;
      if (points === 0) return { status: 'pass', message: 'no complexity: costs no budget' };
      const total = task.budgetSpent + points;
      if (total > budget) return { status: 'fail', message: `complexity budget exceeded: ${task.budgetSpent} spent + ${points} > ${budget}`, details: { spent: task.budgetSpent, points, budget } };
      return { status: 'pass', message: `${total}/${budget} budget points` };
    },
  });
}
