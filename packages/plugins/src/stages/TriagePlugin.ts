import { definePlugin, type Complexity, type ResourceProfile } from '@orch/engine';

const PLUGIN_NAME = 'orch:triage';

/** The resource profile of each complexity (reference design, stage 3). */
export const COMPLEXITY_PROFILES: Record<Complexity, ResourceProfile> = {
  simple: { timeout: 10 * 60_000, weight: 1, retries: 0, budgetPoints: 1, maxTurns: 10 },
  medium: { timeout: 30 * 60_000, weight: 1, retries: 1, budgetPoints: 3, maxTurns: 25 },
  complex: { timeout: 60 * 60_000, weight: 1, retries: 2, budgetPoints: 8, maxTurns: 50 },
};

/**
 * Without a complexity (package scripts, most config commands): no time limit unless declared,
 * and no cost to the complexity budget, which is for classified work (agents, prompts).
 */
const UNCLASSIFIED: ResourceProfile = { timeout: Number.POSITIVE_INFINITY, weight: 1, retries: 0, budgetPoints: 0, maxTurns: 10 };

/**
 * Stage 3, triage: complexity → resource profile (time limit, concurrency weight, retries,
 * budget points, agent turns). A command's own `timeout`, `weight` and `retry` win.
 */
export function triagePlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.triage.tap(PLUGIN_NAME, (task) => {
        const { metadata } = task.command;
        const base = metadata.complexity ? COMPLEXITY_PROFILES[metadata.complexity] : UNCLASSIFIED;
        task.profile = {
          ...base,
          ...(metadata.timeout === undefined ? {} : { timeout: metadata.timeout }),
          ...(metadata.weight === undefined ? {} : { weight: metadata.weight }),
          ...(metadata.retry === undefined ? {} : { retries: metadata.retry.maxAttempts - 1 }),
        };
      });
    },
  });
}
