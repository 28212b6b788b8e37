import type { SourceLocation } from '../diagnostics/Diagnostic.js';

/** Where a command came from. */
export type CommandKind = 'markdown' | 'script' | 'config' | 'workflow';

export type Complexity = 'simple' | 'medium' | 'complex';

/** A dependency as written by the user, with where it was written. */
export interface DependencyRef {
  /** `quality/verify`, `^build`, `lint`, `pkg#build`. */
  spec: string;
  location?: SourceLocation;
}

/** One unit of a command's work, in order. Each step is a checkpoint. */
export interface Step {
  name?: string;
  /** A shell command line. */
  run?: string;
  /** A command id to run as this step (workflows). */
  command?: string;
  /** A shell command that undoes this step (saga compensation). */
  compensate?: string;
  location?: SourceLocation;
}

/** Tools an agent may use: everything, or a list of tool patterns (`Bash(git:*)`). */
export type AllowedTools = 'all' | readonly string[];

/** The normalised metadata of a command, whichever source it came from. */
export interface CommandMetadata {
  description?: string;
  complexity?: Complexity;
  agents: string[];
  allowedTools?: AllowedTools;
  argumentHint?: string;
  model?: string;
  inputs?: string[];
  outputs?: string[];
  env?: string[];
  /** Milliseconds. */
  timeout?: number;
  retry?: RetryPolicy;
  recovery?: RecoverySpec;
  /** A shell command that repairs what validation found: partial recovery runs it, then only the validations that failed. */
  fixup?: string;
  gates?: Record<string, GateSetting>;
  cache?: boolean;
  weight?: number;
  resources?: Record<string, number>;
  /** A JS/TS module whose export is the task, run in a worker thread (the `node` executor). */
  module?: { path: string; export: string };
  /** Keys orch does not know, kept as written. */
  extra: Record<string, unknown>;
}

export interface RetryPolicy {
  maxAttempts: number;
  /** Milliseconds. */
  initialInterval?: number;
  backoffCoefficient?: number;
  /** Milliseconds. */
  maximumInterval?: number;
  jitter?: boolean;
  nonRetryable?: (number | string)[];
}

export type RecoveryStrategyName = 'retry' | 'rollback' | 'partial-recovery' | 'manual-intervention' | 'none';

/** One strategy for every failure, or one per failure stage. */
export type RecoverySpec = RecoveryStrategyName | (string & {}) | Partial<Record<string, RecoveryStrategyName | (string & {})>>;

export type GateSetting = boolean | { enabled?: boolean; severity?: 'error' | 'warn'; options?: Record<string, unknown> };

/**
 * A command orch knows, from any source: a markdown file, a workspace package script, or
 * a command or workflow declared in the config.
 */
export interface CommandDefinition {
  /** `milestone/plan`, `pkg#build`, `release`. */
  id: string;
  kind: CommandKind;
  /** The plugin that provided it. */
  source: string;
  /** Where it is declared. */
  location: SourceLocation;
  /** Workspace project, for package scripts. */
  project?: string;
  /** Script name, for package scripts (`build` of `pkg#build`). */
  target?: string;
  dependencies: DependencyRef[];
  metadata: CommandMetadata;
  steps: Step[];
  /** The prompt of a markdown command, without its front matter. */
  body?: string;
  /** 1-based line where `body` starts in the file. */
  bodyLine?: number;
  /** The raw front matter of a markdown command, before the metadata stage normalised it. */
  frontMatter?: RawFrontMatter;
}

/** Front matter as parsed, with a way to find where each key path is written. */
export interface RawFrontMatter {
  data: Record<string, unknown>;
  /** Location of the value (or, with `key: true`, the key) at a path. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): SourceLocation;
  /** The text of a 1-based line of the file, for quoting in diagnostics. */
  lineText(line: number): string | undefined;
}

/** An agent role defined in `.claude/agents/<name>.md`. */
export interface AgentDefinition {
  name: string;
  description?: string;
  tools?: AllowedTools;
  model?: string;
  body: string;
  location: SourceLocation;
}

/** A workspace package. */
export interface Project {
  name: string;
  /** Directory relative to the workspace root, `/`-separated; `.` for the root package. */
  root: string;
  packageJson: string;
  scripts: Record<string, string>;
  /** Names of workspace projects it depends on (dependencies, devDependencies, ...). */
  dependencies: string[];
  tags: string[];
  /**
   * Workspace packages it declares (`workspace:` protocol, `link:`/`file:` into the repository)
   * that do not exist: deleted or renamed. Absent when there are none.
   */
  missingDependencies?: string[];
}
