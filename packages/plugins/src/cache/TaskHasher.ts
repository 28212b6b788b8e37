import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { nameTable, ORCH_VERSION, type AgentConfig, type CommandDefinition, type Engine, type EnvMode, type Project, type TaskGraph } from '@orch/engine';
import picomatch from 'picomatch';
import { agentCredentialEnv } from '../agents/agentCredentialEnv.js';
import { isPromptCommand } from '../agents/isPromptCommand.js';
import { shellLines } from '../agents/promptDiagnostics.js';
import type { ShellOutputs } from '../agents/runShellLines.js';
import { envPolicy, inheritedEnvironment, selectTaskEnvironment, type EnvSettings, type SelectedEnvironment } from '../environment/selectTaskEnvironment.js';
import { includedFiles } from '../markdown/includedFiles.js';
import { bodyLocation } from '../markdown/promptTokens.js';
import { skillFolder } from '../markdown/skillFolder.js';
import { ExternalDependencies } from './ExternalDependencies.js';
import { globalInputMatcher } from './globalInputs.js';
import { RepositoryFiles } from './repositoryFiles.js';

/** Everything a task's hash is made of; stored with each run so `orch explain` can diff it. */
export interface HashInputs {
  orch: string;
  plugins: Record<string, string>;
  /**
   * The definition: markdown file, included partials and a skill's folder, normalised metadata,
   * or script text; for a prompt, the output of each `` !`cmd` `` line (`output of !`cmd` (line N)`),
   * since the agent gets it, or `not run` (a provisional hash).
   */
  definition: Record<string, string>;
  args: string[];
  executor: unknown;
  /** Input files (relative to the root) → content id: the task's inputs and the global inputs. */
  files: Record<string, string>;
  /**
   * Hashed environment variables → SHA-256 of the value (null when a declared name is unset):
   * in strict mode the task's `env` and `globalEnv`, in loose mode everything it sees but the
   * volatile and pass-through variables. Values are never stored.
   */
  env: Record<string, string | null>;
  /** `strict` or `loose`. */
  envMode: EnvMode;
  /** The pass-through patterns (the task's, its agent CLI's credentials, the config's), sorted: what it may see unhashed. */
  passThroughEnv: string[];
  /** Dependency task → its hash. */
  dependencies: Record<string, string>;
  /**
   * Package scripts: what the package resolves from the registry (`ExternalDependencies`):
   * `<lockfile>#<folder>` and `<lockfile>#.` → digest of that folder's resolved closure, or
   * `<lockfile>` → digest of the whole file; `package.json#dependencies` → the root manifest's.
   */
  lockfile?: Record<string, string>;
  /** Package scripts: each workspace package the package depends on → its folder, or `(missing)`. */
  workspaceDependencies?: Record<string, string>;
  /**
   * Package scripts: each package a `^target` dependency passes through because it lacks the
   * target (Turborepo's transit nodes) → digest of its files and lockfile closure.
   */
  transit?: Record<string, string>;
}

export interface TaskHash {
  hash: string;
  inputs: HashInputs;
  /** Input files that git ignores (an explicit `inputs` glob names them): hashed, and marked by `orch explain`. */
  ignored: string[];
  /**
   * True when the `` !`cmd` `` lines of its prompt, or of a dependency's, were not run (the
   * hasher has no `shellLines`) or failed: their output is not in the hash, so it is not the
   * hash of what the agent gets. Such a hash is never looked up nor stored in a cache, and a
   * hit cannot be predicted.
   */
  provisional: boolean;
}

/** Runs a prompt's `` !`cmd` `` lines (`runShellLines` with the environment and signal of the task). */
export type ShellLineRunner = (command: CommandDefinition) => Promise<ShellOutputs>;

/** A line's part of the hash inputs when it was not run (a dry run), or failed: either makes the hash provisional. */
export const NOT_RUN = 'not run';
export const LINE_FAILED = 'failed';

export interface TaskHasherOptions {
  root: string;
  stateDir: string;
  commands: ReadonlyMap<string, CommandDefinition>;
  graph: TaskGraph;
  agent: AgentConfig;
  plugins: Record<string, string>;
  engine?: Engine;
  /** Arguments per task id (the named tasks' `-- args`). */
  args?: ReadonlyMap<string, readonly string[]>;
  /** The config's environment settings (`envMode`, `globalEnv`, ...; `--env-mode`). */
  env: EnvSettings;
  /** The environment tasks inherit. Default: orch's own. */
  envSource?: Readonly<Record<string, string | undefined>>;
  /** Workspace packages by name (package scripts hash their workspace dependencies and transit packages). */
  projects?: ReadonlyMap<string, Project>;
  /** Config `globalInputs`, besides the built-in global inputs. */
  globalInputs?: readonly string[];
  /**
   * Runs the `` !`cmd` `` lines of prompts whose task has no runner in `shellLineRunners`.
   * Without it such lines are not run and those hashes are `provisional` (`orch run --dry-run`).
   */
  shellLines?: ShellLineRunner;
}

/** The parts of a package script's hash that come from around its package. */
type PackageInputs = Pick<HashInputs, 'lockfile' | 'workspaceDependencies' | 'transit'>;

/** A workspace dependency the package declares but no workspace package provides (deleted or renamed). */
export const MISSING = '(missing)';

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** JSON with sorted keys, so equal inputs always hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}

/**
 * Computes task hashes (see docs/caching.md for what goes in). File ids come from one read of
 * the repository per hasher (git index for clean files); each task's hash is memoised, and a
 * dependency's hash is part of its dependents'.
 */
export class TaskHasher {
  readonly files: RepositoryFiles;
  /** Arguments of the named tasks, set before they are hashed. */
  readonly args = new Map<string, readonly string[]>();
  /** Per task id, how its prompt's `` !`cmd` `` lines run (with that task's signal and environment). */
  readonly shellLineRunners = new Map<string, ShellLineRunner>();
  private readonly outputs = new Map<string, Promise<ShellOutputs>>();
  /** Lines that failed while hashing, handed once to the next `shellOutputs` (the executor, which fails with it). */
  private readonly lineFailures = new Map<string, unknown>();
  private readonly memo = new Map<string, Promise<TaskHash>>();
  private readonly external: ExternalDependencies;
  private readonly transitMemo = new Map<string, Promise<string>>();
  private globalFiles: [string, string][] | undefined;

  constructor(private readonly options: TaskHasherOptions) {
    this.files = new RepositoryFiles(options.root, options.stateDir, options.engine);
    this.external = new ExternalDependencies(options.root);
  }

  hash(id: string): Promise<TaskHash> {
    return memoised(this.memo, id, () => this.compute(id));
  }

  /**
   * The outputs of a prompt's `` !`cmd` `` lines, run once per hasher (a run): the hash covers
   * them and the agent executor renders the prompt from them, so the agent gets what was
   * hashed. Undefined when there is no runner for them. A failure the hash met is given to the
   * next caller (the executor fails with it, so the lines do not run twice in one attempt), then
   * forgotten: a retry runs them again.
   */
  shellOutputs(id: string): Promise<ShellOutputs> | undefined {
    const command = this.options.commands.get(id);
    const runner = this.shellLineRunners.get(id) ?? this.options.shellLines;
    if (!command || !runner) return undefined;
    if (this.lineFailures.has(id)) {
      const failure = this.lineFailures.get(id);
      this.lineFailures.delete(id);
      return Promise.reject(failure);
    }
    return memoised(this.outputs, id, () => runner(command));
  }

  private async compute(id: string): Promise<TaskHash> {
    const { commands, graph, root } = this.options;
    const command = commands.get(id);
    if (!command) throw new Error(`no command ${id} to hash`);
    const dependencies: Record<string, string> = nameTable();
    let provisional = false;
    for (const edge of graph.nodes.get(id)?.dependencies ?? []) {
      const dependency = await this.hash(edge.to);
      dependencies[edge.to] = dependency.hash;
      provisional ||= dependency.provisional;
    }

    const files = await this.files.all();
    const projectDir = command.kind === 'script' ? relative(root, dirname(command.location.file)).split('\\').join('/') : '';
    const definition = await this.definition(command, files);
    provisional ||= Object.values(definition).some((part) => part === NOT_RUN || part === LINE_FAILED);
    const { selected, ignored } = await this.inputFiles(command, projectDir, files);
    const inputs: HashInputs = {
      orch: ORCH_VERSION,
      plugins: this.options.plugins,
      definition,
      args: [...(this.args.get(id) ?? this.options.args?.get(id) ?? [])],
      executor: executorConfig(command, this.options.agent),
      files: selected,
      ...hashedEnvironment(this.environment(command)),
      dependencies,
    };
    if (command.kind === 'script') Object.assign(inputs, await this.packageInputs(id, command, projectDir));
    return { hash: sha256(canonical(inputs)), inputs, ignored, provisional };
  }

  /**
   * The files a task's hash covers (`selectInputs`), the files git ignores that its explicit
   * `inputs` name (as Turborepo hashes them), and the global inputs but orch's config files
   * (`orch affected` counts a change to one for every task; `globalInputMatcher` says why the
   * config is not among them).
   */
  private async inputFiles(command: CommandDefinition, projectDir: string, files: ReadonlyMap<string, string>): Promise<{ selected: Record<string, string>; ignored: string[] }> {
    const selected = selectInputs(command, projectDir, files);
    const ignored: string[] = [];
    const include = (command.metadata.inputs ?? []).filter((glob) => !glob.startsWith('!'));
    if (include.length > 0) {
      const isInput = inputFilter(command);
      const prefix = projectDir === '' ? '' : `${projectDir}/`;
      for (const [path, id] of await this.files.ignoredMatching(projectDir, include)) {
        if (!isInput(path.slice(prefix.length))) continue;
        selected[path] = id;
        ignored.push(path);
      }
    }
    if (!this.globalFiles) {
      const isGlobal = globalInputMatcher(this.options.globalInputs, { config: false });
      this.globalFiles = [...files].filter(([path]) => isGlobal(path));
    }
    for (const [path, id] of this.globalFiles) selected[path] = id;
    return { selected, ignored: ignored.sort() };
  }

  /**
   * What a package script's hash takes from around its package, as `orch affected` reasons:
   * the registry packages it resolves (lockfile closures, root dependencies), which workspace
   * packages it depends on (a deleted one changes the hash), and the packages a `^target`
   * passed through.
   */
  private async packageInputs(id: string, command: CommandDefinition, projectDir: string): Promise<PackageInputs> {
    const { projects } = this.options;
    const found: PackageInputs = { lockfile: await this.external.of(projectDir) };
    const project = command.project ? projects?.get(command.project) : undefined;
    const workspace = [...(project?.dependencies ?? []).map((name) => [name, projects?.get(name)?.root ?? MISSING]), ...(project?.missingDependencies ?? []).map((name) => [name, MISSING])];
    if (workspace.length > 0) found.workspaceDependencies = Object.fromEntries(workspace);
    const transit = this.options.graph.nodes.get(id)?.transit ?? [];
    if (transit.length > 0) found.transit = Object.fromEntries(await Promise.all(transit.map(async (name) => [name, await this.transitDigest(name)])));
    return found;
  }

  /** A transit package's files and resolved closure, as one digest (memoised). */
  private transitDigest(name: string): Promise<string> {
    let digest = this.transitMemo.get(name);
    if (!digest) {
      digest = (async () => {
        const root = this.options.projects?.get(name)?.root ?? name;
        const prefix = root === '.' ? '' : `${root}/`;
        const files = [...(await this.files.all())].filter(([path]) => path.startsWith(prefix));
        return sha256(canonical({ files: Object.fromEntries(files), lockfile: await this.external.of(root) }));
      })();
      this.transitMemo.set(name, digest);
    }
    return digest;
  }

  /** What the task sees of the environment and what of it is hashed, as its executor will select it. */
  environment(command: CommandDefinition): SelectedEnvironment {
    const source = this.options.envSource ?? inheritedEnvironment();
    const passThrough = isPromptCommand(command) ? agentCredentialEnv(this.options.agent, source) : [];
    return selectTaskEnvironment(source, envPolicy(command.metadata, this.options.env, passThrough));
  }

  /** The definition's parts, each hashed: the file (and partials it includes) or the steps. */
  private async definition(command: CommandDefinition, files: ReadonlyMap<string, string>): Promise<Record<string, string>> {
    const { root } = this.options;
    const parts: Record<string, string> = nameTable([['metadata', sha256(canonical({ ...command.metadata, steps: command.steps.map(({ location: _l, ...step }) => step), kind: command.kind }))]]);
    if (command.kind !== 'markdown') return parts;
    const file = relative(root, command.location.file).split('\\').join('/');
    parts[file] = files.get(file) ?? sha256(await readFile(command.location.file));
    for (const rel of includedFiles(command, root)) {
      // `~/x` includes are outside the repository: hashed from the home folder (empty when missing).
      const path = rel.startsWith('~/') ? join(process.env.HOME || homedir(), rel.slice(2)) : join(root, rel);
      parts[rel] = files.get(rel) ?? sha256(await readFile(path).catch(() => Buffer.from('')));
    }
    const folder = skillFolder(command, root);
    if (folder !== undefined) for (const [path, id] of files) if (path.startsWith(`${folder}/`)) parts[path] = id;
    if (isPromptCommand(command)) Object.assign(parts, await this.shellLineParts(command));
    return parts;
  }

  /**
   * Each `` !`cmd` `` line of a prompt → the SHA-256 of its output, `not run`, or `failed` (the
   * task then fails at execution with the lines' error, and a provisional hash is never cached).
   */
  private async shellLineParts(command: CommandDefinition): Promise<Record<string, string>> {
    const lines = shellLines(command);
    if (lines.length === 0) return {};
    let outputs: ShellOutputs | undefined;
    let failed = false;
    try {
      outputs = await this.shellOutputs(command.id);
    } catch (error) {
      this.lineFailures.set(command.id, error);
      failed = true;
    }
    return Object.fromEntries(lines.map((line, index) => [`output of ${line.text} (line ${bodyLocation(command, line.offset).line})`, failed ? LINE_FAILED : outputs ? sha256(outputs[index] ?? '') : NOT_RUN]));
  }
}

/** The promise kept for a key, made once; a rejected one is dropped, so the next call tries again. */
function memoised<T>(memo: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let found = memo.get(key);
  if (!found) {
    found = make();
    memo.set(key, found);
    found.catch(() => memo.delete(key));
  }
  return found;
}

function executorConfig(command: CommandDefinition, agent: AgentConfig): unknown {
  if (command.metadata.module) return { node: command.metadata.module };
  if (command.steps.some((step) => step.run !== undefined)) return { shell: '/bin/sh' };
  if (isPromptCommand(command)) return { agent: { ...agent, env: Object.keys(agent.env ?? {}) } };
  return null;
}

/** The environment's part of the hash inputs: values as SHA-256, never as written. */
function hashedEnvironment(selected: SelectedEnvironment): Pick<HashInputs, 'env' | 'envMode' | 'passThroughEnv'> {
  return {
    env: Object.fromEntries(Object.keys(selected.hashed).sort().map((name) => [name, selected.hashed[name] === null ? null : sha256(selected.hashed[name]!)])),
    envMode: selected.mode,
    passThroughEnv: selected.passThroughEnv,
  };
}

/**
 * The files a task's hash covers: its `inputs` globs (with `!` exclusions, relative to its
 * package or the root), or by default every file of its package (package scripts) or of the
 * repository (markdown and config commands, which may read anything): as Turborepo and Nx do,
 * a task without declared inputs is never trusted past a change it might have read. Its own
 * declared outputs are never its inputs.
 */
function selectInputs(command: CommandDefinition, projectDir: string, files: ReadonlyMap<string, string>): Record<string, string> {
  // Paths are the repository's own: a file named `__proto__` is an input like any other.
  const selected: Record<string, string> = nameTable();
  const prefix = projectDir === '' ? '' : `${projectDir}/`;
  const isInput = inputFilter(command);
  for (const [path, id] of files) if (path.startsWith(prefix) && isInput(path.slice(prefix.length))) selected[path] = id;
  return selected;
}

/** Whether a path (relative to the task's folder) is an input of the task: one of its `inputs`, and not one of its outputs. */
function inputFilter(command: CommandDefinition): (path: string) => boolean {
  // A task's own outputs are never its inputs (an un-ignored dist/ would change every hash).
  const outputs = (command.metadata.outputs ?? []).filter((g) => !g.startsWith('!'));
  const isOutput = outputs.length > 0 ? picomatch(outputs, { dot: true }) : () => false;
  const matches = inputMatcher(command.metadata.inputs);
  return (path) => matches(path) && !isOutput(path);
}

/**
 * Whether a path (relative to the task's folder) is one of its `inputs`: the globs, less `!`
 * exclusions. Without `inputs`, or with only exclusions, every file may be read; `inputs: []`
 * declares that the task reads none.
 */
export function inputMatcher(globs: readonly string[] | undefined): (path: string) => boolean {
  if (globs !== undefined && globs.length === 0) return () => false;
  const include = globs?.filter((g) => !g.startsWith('!')) ?? [];
  const exclude = globs?.filter((g) => g.startsWith('!')).map((g) => g.slice(1)) ?? [];
  return picomatch(include.length > 0 ? include : ['**'], { dot: true, ignore: exclude });
}
