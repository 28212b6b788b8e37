import type { EnvMode } from '../config/envPattern.js';
import type { OutputLogs } from '../config/outputLogs.js';
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
  /** True when `description` is the body's first line (no `description` was written), as Claude Code shows it. */
  descriptionFromBody?: boolean;
  complexity?: Complexity;
  agents: string[];
  allowedTools?: AllowedTools;
  argumentHint?: string;
  /** Named arguments (Claude Code's `arguments`): `$name` in the prompt is the argument at that position. */
  arguments?: string[];
  /** Claude Code's `when_to_use`: when the command is worth running, beside its description. */
  whenToUse?: string;
  model?: string;
  /** Reasoning effort for the agent (`low` … `max`, or a number): `--effort` of the `claude` CLI. */
  effort?: string | number;
  /** Tools the agent must not use (Claude Code's `disallowed-tools`): `--disallowedTools`. */
  disallowedTools?: readonly string[];
  /** Claude Code's `user-invocable`; `false` leaves the command out of `orch list` (it still runs, by name or as a dependency). */
  userInvocable?: boolean;
  /** Claude Code's `disable-model-invocation`; kept and shown, no effect in orch (no model picks commands). */
  disableModelInvocation?: boolean;
  /** Claude Code hooks scoped to this command (`PreToolUse: [...]`), given to the `claude` CLI with `--settings`. */
  hooks?: Record<string, unknown>;
  /** Claude Code's `paths`: globs of the files the command is about; shown, no effect on running. */
  paths?: readonly string[];
  inputs?: string[];
  outputs?: string[];
  /** Variables the task sees and whose values are hashed (patterns: `MY_APP_*`, `!X`). */
  env?: string[];
  /** Variables the task sees that are not hashed. */
  passThroughEnv?: string[];
  /** Over the config's `envMode`. */
  envMode?: EnvMode;
  /** A package script's framework (`nextjs`: `Project.framework`), whose variables it sees and hashes unless `frameworkInference` is off. */
  framework?: string;
  /** Milliseconds. */
  timeout?: number;
  retry?: RetryPolicy;
  recovery?: RecoverySpec;
  /** A shell command that repairs what validation found: partial recovery runs it, then only the validations that failed. */
  fixup?: string;
  gates?: Record<string, GateSetting>;
  cache?: boolean;
  /** How much of its output a run shows (config `outputLogs`); `--output-logs` wins. Default `full`. */
  outputLogs?: OutputLogs;
  /**
   * A task that never finishes on its own (a dev server, a watcher), as Turborepo's `persistent`:
   * nothing may depend on it (an error at the dependency), and `orch watch` keeps it running
   * across re-runs, restarting it only when its own inputs change. Default false.
   */
  persistent?: boolean;
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
  /** For markdown commands: the Claude Code layout the file came from. */
  layout?: ClaudeCodeLayout;
  /** The raw front matter of a markdown command, before the metadata stage normalised it. */
  frontMatter?: RawFrontMatter;
}

/**
 * How Claude Code would see a markdown command: a command file (`.claude/commands/x.md`) or a
 * skill (`.claude/skills/x/SKILL.md`), from the project or from a Claude Code plugin.
 */
export interface ClaudeCodeLayout {
  form: 'command' | 'skill';
  /** The Claude Code plugin that ships it (`${CLAUDE_PLUGIN_ROOT}` is its root). */
  plugin?: { name: string; root: string };
}

/** Front matter as parsed, with a way to find where each key path is written. */
export interface RawFrontMatter {
  data: Record<string, unknown>;
  /** Location of the value (or, with `key: true`, the key) at a path. */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): SourceLocation;
  /** The value at a path as written in the file (`[message]` for `argument-hint: [message]`). */
  sourceText?(path: readonly (string | number)[]): string | undefined;
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
  /** The framework its dependencies show (`nextjs`), whose variables its tasks see and hash: Turborepo's framework inference. */
  framework?: string;
}
