import { lazyPlugin, type Plugin } from '@orch/engine';
import { agentsPlugin } from './agents/AgentsPlugin.js';
import { inputGlobsPlugin } from './cache/InputGlobsPlugin.js';
import { configCommandsPlugin } from './config/ConfigCommandsPlugin.js';
import type { ShellExecutorOptions } from './executors/ShellExecutorPlugin.js';
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
import { resolverPlugin } from './resolve/ResolverPlugin.js';
import { workspacePlugin } from './workspace/WorkspacePlugin.js';

export interface DefaultPluginOptions {
  shell?: ShellExecutorOptions;
}

/**
 * The built-in preset. These plugins have no privileges: the config can replace any of them
 * (a plugin of the same name) or leave it out (`disablePlugins`).
 *
 * Command sources, the resolver, the gates (their names and options are checked at discovery)
 * and the input-glob check are applied at once; the run-time plugins (stages 3-10, caches,
 * sessions, recovery, reporters) are `lazyPlugin`s, imported only by an engine that runs tasks,
 * in their place in this order (issue 13: `orch list` loads none of them).
 */
export function defaultPlugins(options: DefaultPluginOptions = {}): Plugin[] {
  return [
    // command sources and stages 1-2
    resolverPlugin(),
    markdownCommandsPlugin(),
    agentsPlugin(),
    workspacePlugin(),
    configCommandsPlugin(),
    inputGlobsPlugin(),
    // stages 3-10
    lazyPlugin('orch:triage', async () => (await import('./stages/TriagePlugin.js')).triagePlugin()),
    lazyPlugin('orch:dependencies', async () => (await import('./stages/DependenciesPlugin.js')).dependenciesPlugin()),
    lazyPlugin('orch:deploy', async () => (await import('./stages/DeployPlugin.js')).deployPlugin()),
    lazyPlugin('orch:shell', async () => (await import('./executors/ShellExecutorPlugin.js')).shellExecutorPlugin(options.shell)),
    lazyPlugin('orch:node', async () => (await import('./executors/NodeExecutorPlugin.js')).nodeExecutorPlugin()),
    lazyPlugin('orch:agent', async () => (await import('./agents/AgentExecutorPlugin.js')).agentExecutorPlugin()),
    lazyPlugin('orch:persist', async () => (await import('./stages/PersistPlugin.js')).persistPlugin()),
    lazyPlugin('orch:cache-local', async () => (await import('./cache/LocalCachePlugin.js')).localCachePlugin()),
    lazyPlugin('orch:cache-remote', async () => (await import('./cache/RemoteCachePlugin.js')).remoteCachePlugin()),
    // sessions, claims on tasks across processes, and recovery
    lazyPlugin('orch:session', async () => (await import('./session/SessionPlugin.js')).sessionPlugin()),
    lazyPlugin('orch:task-claims', async () => (await import('./claims/TaskClaimsPlugin.js')).taskClaimsPlugin()),
    lazyPlugin('orch:recovery', async () => (await import('./recovery/RecoveryPlugin.js')).recoveryPlugin()),
    lazyPlugin('orch:retry', async () => (await import('./recovery/RetryStrategy.js')).retryStrategyPlugin()),
    lazyPlugin('orch:rollback', async () => (await import('./recovery/RollbackStrategy.js')).rollbackStrategyPlugin()),
    lazyPlugin('orch:partial-recovery', async () => (await import('./recovery/PartialRecoveryStrategy.js')).partialRecoveryPlugin()),
    lazyPlugin('orch:manual-intervention', async () => (await import('./recovery/ManualInterventionStrategy.js')).manualInterventionPlugin()),
    lazyPlugin('orch:circuit-breaker', async () => (await import('./recovery/CircuitBreakerPlugin.js')).circuitBreakerPlugin()),
    lazyPlugin('orch:saga', async () => (await import('./recovery/SagaPlugin.js')).sagaPlugin()),
    lazyPlugin('orch:detached-processes', async () => (await import('./process/DetachedProcessesPlugin.js')).detachedProcessesPlugin()),
    lazyPlugin('orch:task-resources', async () => (await import('./process/TaskResourcesPlugin.js')).taskResourcesPlugin()),
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
    lazyPlugin('orch:reporter-tty', async () => (await import('./reporters/TtyReporterPlugin.js')).ttyReporterPlugin()),
    lazyPlugin('orch:reporter-plain', async () => (await import('./reporters/PlainReporterPlugin.js')).plainReporterPlugin()),
    lazyPlugin('orch:reporter-json', async () => (await import('./reporters/JsonReporterPlugin.js')).jsonReporterPlugin()),
  ];
}
