// The public API for users of orch: config and plugin helpers and their types.
export { defineConfig, definePlugin, defineGate, lazyPlugin, STAGE_ORDER, PIPELINE_STAGES } from '@orch/engine';
export type {
  OrchConfig,
  TargetConfig,
  CommandConfig,
  WorkflowConfig,
  StepConfig,
  EnvMode,
  Plugin,
  PluginSpec,
  PluginFactory,
  GateDefinition,
  GateStage,
  GateContext,
  GateVerdict,
  Engine,
  EngineHooks,
  OrchEvent,
  TaskContext,
  FailureContext,
  RecoveryDecision,
} from '@orch/engine';
export { main } from './main.js';
