export { Engine, PIPELINE_STAGES, STAGE_ORDER } from './Engine.js';
export type { EngineHooks, EngineOptions, EngineOutput, PipelineStage, ResolveRequest, DiscoveryContext, RunSettlement } from './Engine.js';
export type { OrchEvent, OrchEventType, PlannedTask, PlanReason, TaskOutcome, RunSummary, AgentResult, SessionInfo, RecoveryRecord, ProcessIdentity, ClaimHolder, TaskResources } from './events.js';
export { planRun } from './run/planRun.js';
export { runTasks, formatMs, STAGE_TITLES, RAN_ON_WORKER, REATTACHABLE } from './run/runTasks.js';
export type { RunOptions, PreviousRun } from './run/runTasks.js';
export { taskLogFiles } from './run/TaskLog.js';
export { readSmallTaskLog, readTaskLog } from './run/readTaskLog.js';
export { OutputTail, TAIL_LIMITS } from './run/OutputTail.js';
export type { OutputStream, TailLine } from './run/OutputTail.js';
export { withRecoveryNote, withoutRecoveryNote } from './run/recoveryNote.js';
export { ErrorExcerpt, EXCERPT_LIMITS, isErrorLine, type FirstError } from './run/ErrorExcerpt.js';
export { Scheduler } from './scheduler/Scheduler.js';
export type { SchedulableTask, ContinueMode, SchedulerOptions, TaskState } from './scheduler/Scheduler.js';
export { OrchError, isOrchError } from './OrchError.js';
export type { OrchErrorCode, OrchErrorOptions } from './OrchError.js';
export { ExitCode } from './exitCodes.js';
export { parseDuration } from './parseDuration.js';
export { nameTable, ownValue } from './nameTable.js';
export { terminalJson, terminalText } from './terminalText.js';
export { pathKindProblem } from './pathKindProblem.js';
export { checkSessionId, isSessionId, SESSION_ID_EXAMPLE } from './sessionId.js';

export type { Diagnostic, DiagnosticOwner, Severity, SourceLocation, RelatedLocation } from './diagnostics/Diagnostic.js';
export { hasErrors } from './diagnostics/Diagnostic.js';
export { blocksRun, touchesRun } from './diagnostics/blocksRun.js';
export type { RunScope } from './diagnostics/blocksRun.js';
export { SourceFile } from './diagnostics/SourceFile.js';
export { closestMatches, didYouMean } from './diagnostics/closestMatches.js';
export { listNames } from './diagnostics/listNames.js';
export { foldRepeated } from './diagnostics/foldRepeated.js';
export { schemaDiagnostics } from './diagnostics/schemaDiagnostics.js';
export { describeJsonKind } from './diagnostics/describeJsonKind.js';
export { objectKeysAt } from './diagnostics/objectKeysAt.js';
export type { SchemaDiagnosticOptions } from './diagnostics/schemaDiagnostics.js';
export { yamlLocator, textLocator } from './diagnostics/yamlLocator.js';
export { parseYaml, yamlValue, YAML_LIMITS } from './yaml/readYaml.js';
export type { YamlProblem } from './yaml/readYaml.js';
export { findDeepNesting } from './yaml/findDeepNesting.js';
export type { PathLocator } from './diagnostics/yamlLocator.js';

export type {
  AgentDefinition,
  AllowedTools,
  ClaudeCodeLayout,
  CommandDefinition,
  CommandKind,
  CommandMetadata,
  Complexity,
  DependencyRef,
  GateSetting,
  Project,
  RawFrontMatter,
  RecoverySpec,
  RecoveryStrategyName,
  RetryPolicy,
  Step,
} from './commands/CommandDefinition.js';
export { CommandRegistry } from './commands/CommandRegistry.js';
export { resolveCommand, normaliseCommandName, describeUnresolved, shadowWarning } from './commands/resolveCommand.js';
export { shadowedCommands } from './commands/shadowedCommands.js';
export { claudeNameClashes } from './commands/claudeNameClashes.js';
export type { ClaudeNameClash } from './commands/claudeNameClashes.js';
export { agentsUsedBy } from './commands/agentsUsedBy.js';
export type { AgentUse } from './commands/agentsUsedBy.js';
export type { Resolution, ResolveOptions } from './commands/resolveCommand.js';

export { buildTaskGraph, dependencyClosure } from './graph/buildTaskGraph.js';
export type { BuildTaskGraphResult } from './graph/buildTaskGraph.js';
export { findCycles } from './graph/findCycles.js';
export type { TaskEdge, TaskGraph, TaskNode } from './graph/TaskGraph.js';

export { defineConfig } from './config/OrchConfig.js';
export type { OrchConfig, AgentConfig, CacheConfig, CacheAccess, RemoteCacheConfig, ResolvedCacheConfig, ResolvedRemoteCacheConfig, ResolvedConfig, TargetConfig, CommandConfig, WorkflowConfig, StepConfig } from './config/OrchConfig.js';
export { ENV_MODES, envPatternSchema, isEnvPattern } from './config/envPattern.js';
export { nameRecordSchema } from './config/nameRecordSchema.js';
export type { EnvMode } from './config/envPattern.js';
export { taskHashedEvent } from './pipeline/taskHashedEvent.js';
export { LOG_LEVELS, LOG_ORDERS, logLevelShows, OUTPUT_LOGS, type LogLevel, type LogOrder, type OutputLogs } from './config/outputLogs.js';
export { loadConfig, resolveConfig, parseSize, CONFIG_SEARCH_PLACES, configLocator } from './config/loadConfig.js';
export { repositoryRoot } from './config/searchBoundary.js';
export type { LoadConfigOptions, LoadedConfig } from './config/loadConfig.js';
export { jsonSyntaxError, loadJsonConfig, loadYamlConfig } from './config/loadDataConfig.js';
export { strayConfigError, reportStuckConfigTo } from './config/runConfigCode.js';
export type { StuckRenderer } from './config/runConfigCode.js';
export { configTimeoutMs, DEFAULT_CONFIG_TIMEOUT_MS } from './config/configTimeout.js';

export type { Plugin, PluginSpec, PluginFactory } from './plugin/Plugin.js';
export { definePlugin } from './plugin/definePlugin.js';
export { lazyPlugin } from './plugin/lazyPlugin.js';
export { defineGate, gateSetting, gateApplies } from './plugin/defineGate.js';
export type { GateDefinition, GateStage, GateCheckContext, OptionsSchema } from './plugin/defineGate.js';
export { resolvePlugins } from './plugin/resolvePlugins.js';
export type { ResolvePluginsOptions } from './plugin/resolvePlugins.js';
export { pluginError } from './plugin/PluginError.js';

export type {
  TaskContext,
  TaskStatus,
  ResourceProfile,
  GateContext,
  GateVerdict,
  GateStatus,
  DeployResult,
  ExecutionResult,
  FailureContext,
  RecoveryDecision,
  FailureKind,
  OutputChunk,
  TaskLogFiles,
  TaskOutputLog,
} from './pipeline/TaskContext.js';
export { ORCH_VERSION } from './version.js';
export { perInvocation, beginInvocation, invocationStartedAt, INVOCATION_QUERY } from './process/invocationState.js';
export { strategyFor, retryDelay, normaliseRetry, DEFAULT_STRATEGIES, DEFAULT_RETRY, RECOVERY_KEYS } from './recovery/recoveryPolicy.js';
export { CircuitBreaker } from './recovery/CircuitBreaker.js';
export type { BreakerSettings, BreakerSnapshot, BreakerState } from './recovery/CircuitBreaker.js';
export { yaml } from './yaml/yamlLibrary.js';
