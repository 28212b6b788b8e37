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

/**
 * The run-time plugins' modules, each imported once per process: a daemon applies the preset at
 * every invocation, and each `import()` there is a round trip to the thread of its module hooks
 * (`freshImports`, about 0.2 ms), even for a module loaded already.
 */
const modules = {
  TriagePlugin: importOnce(() => import('./stages/TriagePlugin.js')),
  DependenciesPlugin: importOnce(() => import('./stages/DependenciesPlugin.js')),
  DeployPlugin: importOnce(() => import('./stages/DeployPlugin.js')),
  ShellExecutorPlugin: importOnce(() => import('./executors/ShellExecutorPlugin.js')),
  NodeExecutorPlugin: importOnce(() => import('./executors/NodeExecutorPlugin.js')),
  AgentExecutorPlugin: importOnce(() => import('./agents/AgentExecutorPlugin.js')),
  PersistPlugin: importOnce(() => import('./stages/PersistPlugin.js')),
  LocalCachePlugin: importOnce(() => import('./cache/LocalCachePlugin.js')),
  RemoteCachePlugin: importOnce(() => import('./cache/RemoteCachePlugin.js')),
  SessionPlugin: importOnce(() => import('./session/SessionPlugin.js')),
  TaskClaimsPlugin: importOnce(() => import('./claims/TaskClaimsPlugin.js')),
  RecoveryPlugin: importOnce(() => import('./recovery/RecoveryPlugin.js')),
  RetryStrategy: importOnce(() => import('./recovery/RetryStrategy.js')),
  RollbackStrategy: importOnce(() => import('./recovery/RollbackStrategy.js')),
  PartialRecoveryStrategy: importOnce(() => import('./recovery/PartialRecoveryStrategy.js')),
  ManualInterventionStrategy: importOnce(() => import('./recovery/ManualInterventionStrategy.js')),
  CircuitBreakerPlugin: importOnce(() => import('./recovery/CircuitBreakerPlugin.js')),
  SagaPlugin: importOnce(() => import('./recovery/SagaPlugin.js')),
  DetachedProcessesPlugin: importOnce(() => import('./process/DetachedProcessesPlugin.js')),
  TaskResourcesPlugin: importOnce(() => import('./process/TaskResourcesPlugin.js')),
  TtyReporterPlugin: importOnce(() => import('./reporters/TtyReporterPlugin.js')),
  PlainReporterPlugin: importOnce(() => import('./reporters/PlainReporterPlugin.js')),
  JsonReporterPlugin: importOnce(() => import('./reporters/JsonReporterPlugin.js')),
};

/** `load`'s promise, made at the first call and shared by every call after. */
function importOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

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
    lazyPlugin('orch:triage', async () => (await modules.TriagePlugin()).triagePlugin()),
    lazyPlugin('orch:dependencies', async () => (await modules.DependenciesPlugin()).dependenciesPlugin()),
    lazyPlugin('orch:deploy', async () => (await modules.DeployPlugin()).deployPlugin()),
    lazyPlugin('orch:shell', async () => (await modules.ShellExecutorPlugin()).shellExecutorPlugin(options.shell)),
    lazyPlugin('orch:node', async () => (await modules.NodeExecutorPlugin()).nodeExecutorPlugin()),
    lazyPlugin('orch:agent', async () => (await modules.AgentExecutorPlugin()).agentExecutorPlugin()),
    lazyPlugin('orch:persist', async () => (await modules.PersistPlugin()).persistPlugin()),
    lazyPlugin('orch:cache-local', async () => (await modules.LocalCachePlugin()).localCachePlugin()),
    lazyPlugin('orch:cache-remote', async () => (await modules.RemoteCachePlugin()).remoteCachePlugin()),
    // sessions, claims on tasks across processes, and recovery
    lazyPlugin('orch:session', async () => (await modules.SessionPlugin()).sessionPlugin()),
    lazyPlugin('orch:task-claims', async () => (await modules.TaskClaimsPlugin()).taskClaimsPlugin()),
    lazyPlugin('orch:recovery', async () => (await modules.RecoveryPlugin()).recoveryPlugin()),
    lazyPlugin('orch:retry', async () => (await modules.RetryStrategy()).retryStrategyPlugin()),
    lazyPlugin('orch:rollback', async () => (await modules.RollbackStrategy()).rollbackStrategyPlugin()),
    lazyPlugin('orch:partial-recovery', async () => (await modules.PartialRecoveryStrategy()).partialRecoveryPlugin()),
    lazyPlugin('orch:manual-intervention', async () => (await modules.ManualInterventionStrategy()).manualInterventionPlugin()),
    lazyPlugin('orch:circuit-breaker', async () => (await modules.CircuitBreakerPlugin()).circuitBreakerPlugin()),
    lazyPlugin('orch:saga', async () => (await modules.SagaPlugin()).sagaPlugin()),
    lazyPlugin('orch:detached-processes', async () => (await modules.DetachedProcessesPlugin()).detachedProcessesPlugin()),
    lazyPlugin('orch:task-resources', async () => (await modules.TaskResourcesPlugin()).taskResourcesPlugin()),
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
    lazyPlugin('orch:reporter-tty', async () => (await modules.TtyReporterPlugin()).ttyReporterPlugin()),
    lazyPlugin('orch:reporter-plain', async () => (await modules.PlainReporterPlugin()).plainReporterPlugin()),
    lazyPlugin('orch:reporter-json', async () => (await modules.JsonReporterPlugin()).jsonReporterPlugin()),
  ];
}
