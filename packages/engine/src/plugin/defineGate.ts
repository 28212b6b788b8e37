import type { GateContext, GateVerdict } from '../pipeline/TaskContext.js';
import type { Plugin } from './Plugin.js';

/** When a gate runs: before execution, after it (validation), or as quality assurance. */
export type GateStage = 'pre' | 'post' | 'qa';

export interface GateDefinition {
  name: string;
  stage: GateStage;
  /** What the gate concluded; `status` defaults to a pass when only a message is returned. */
  check(context: GateContext): Omit<GateVerdict, 'gate'> | Promise<Omit<GateVerdict, 'gate'>>;
}

const HOOK_OF_STAGE = { pre: 'preGates', post: 'postValidate', qa: 'qaGates' } as const;

/** Typed helper for writing a gate: returns a plugin that taps the gate's stage. */
export function defineGate(gate: GateDefinition): Plugin & { gate: GateDefinition } {
  return {
    name: gate.name,
    gate,
    apply(engine) {
      engine.hooks[HOOK_OF_STAGE[gate.stage]].tapPromise(gate.name, async (context) => {
        const verdict = await gate.check(context);
        context.report({ gate: gate.name, ...verdict });
      });
    },
  };
}
