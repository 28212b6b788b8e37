import type { Plugin } from '@orch/engine';
import { agentExecutorPlugin } from './agents/AgentExecutorPlugin.js';
import { agentsPlugin } from './agents/AgentsPlugin.js';
import { localCachePlugin } from './cache/LocalCachePlugin.js';
import { remoteCachePlugin } from './cache/RemoteCachePlugin.js';
import { configCommandsPlugin } from './config/ConfigCommandsPlugin.js';
import { nodeExecutorPlugin } from './executors/NodeExecutorPlugin.js';
import { shellExecutorPlugin, type ShellExecutorOptions } from './executors/ShellExecutorPlugin.js';
import { markdownCommandsPlugin } from './markdown/MarkdownCommandsPlugin.js';
import { complexityBudgetGate } from './gates/ComplexityBudgetGate.js';
import { documentationGate } from './gates/DocumentationGate.js';
import { executionSuccessGate } from './gates/ExecutionSuccessGate.js';
import { fileCreationGate } from './gates/FileCreationGate.js';
import { gateNamesPlugin } from './gates/GateNamesPlugin.js';
import { qaCommandsGate } from './gates/QaCommandsGate.js';
import { qualityMetricsGate } from './gates/QualityMetricsGate.js';
import { resourceAvailabilityGate } from './gates/ResourceAvailabilityGate.js';
import { safetyGate } from './gates/SafetyGate.js';
import { sideEffectsGate } from './gates/SideEffectsGate.js';
import { stateConsistencyGate } from './gates/StateConsistencyGate.js';
import { jsonReporterPlugin } from './reporters/JsonReporterPlugin.js';
import { plainReporterPlugin } from './reporters/PlainReporterPlugin.js';
import { ttyReporterPlugin } from './reporters/TtyReporterPlugin.js';
import { resolverPlugin } from './resolve/ResolverPlugin.js';
import { dependenciesPlugin } from './stages/DependenciesPlugin.js';
import { deployPlugin } from './stages/DeployPlugin.js';
import { persistPlugin } from './stages/PersistPlugin.js';
import { triagePlugin } from './stages/TriagePlugin.js';
import { workspacePlugin } from './workspace/WorkspacePlugin.js';
import { sessionPlugin } from './session/SessionPlugin.js';
import { taskClaimsPlugin } from './claims/TaskClaimsPlugin.js';
import { recoveryPlugin } from './recovery/RecoveryPlugin.js';
import { retryStrategyPlugin } from './recovery/RetryStrategy.js';
import { rollbackStrategyPlugin } from './recovery/RollbackStrategy.js';
import { partialRecoveryPlugin } from './recovery/PartialRecoveryStrategy.js';
import { manualInterventionPlugin } from './recovery/ManualInterventionStrategy.js';
import { circuitBreakerPlugin } from './recovery/CircuitBreakerPlugin.js';
import { sagaPlugin } from './recovery/SagaPlugin.js';
import { detachedProcessesPlugin } from './process/DetachedProcessesPlugin.js';
import { taskResourcesPlugin } from './process/TaskResourcesPlugin.js';

export interface DefaultPluginOptions {
  shell?: ShellExecutorOptions;
}

/**
 * The built-in preset. These plugins have no privileges: the config can replace any of them
 * (a plugin of the same name) or leave it out (`disablePlugins`).
 */
export function defaultPlugins(options: DefaultPluginOptions = {}): Plugin[] {
  return [
    // command sources and stages 1-2
    resolverPlugin(),
    markdownCommandsPlugin(),
    agentsPlugin(),
    workspacePlugin(),
    configCommandsPlugin(),
    // stages 3-10
    triagePlugin(),
    dependenciesPlugin(),
    deployPlugin(),
    shellExecutorPlugin(options.shell),
    nodeExecutorPlugin(),
    agentExecutorPlugin(),
    persistPlugin(),
    localCachePlugin(),
    remoteCachePlugin(),
    // sessions, claims on tasks across processes, and recovery
    sessionPlugin(),
    taskClaimsPlugin(),
    recoveryPlugin(),
    retryStrategyPlugin(),
    rollbackStrategyPlugin(),
    partialRecoveryPlugin(),
    manualInterventionPlugin(),
    circuitBreakerPlugin(),
    sagaPlugin(),
    detachedProcessesPlugin(),
    taskResourcesPlugin(),
    // gates: pre-execution (5), post-execution (4), quality assurance (1)
    fileCreationGate(),
    complexityBudgetGate(),
    documentationGate(),
    safetyGate(),
    resourceAvailabilityGate(),
    executionSuccessGate(),
    stateConsistencyGate(),
    qualityMetricsGate(),
    sideEffectsGate(),
    qaCommandsGate(),
    gateNamesPlugin(),
    // reporters (each active only when chosen)
    ttyReporterPlugin(),
    plainReporterPlugin(),
    jsonReporterPlugin(),
  ];
}
