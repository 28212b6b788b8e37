import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { agentsUsedBy, nameTable, ORCH_VERSION, type AgentConfig, type AgentDefinition, type CommandDefinition, type Engine, type EnvMode, type Project, type TaskGraph } from '@orch/engine';
import { agentCredentialEnv } from '../agents/agentCredentialEnv.js';
import { isPromptCommand } from '../agents/isPromptCommand.js';
import { shellLines } from '../agents/promptDiagnostics.js';
import type { ShellOutputs } from '../agents/runShellLines.js';
import { envPolicy, inheritedEnvironment, selectTaskEnvironment, type EnvPolicy, type EnvSettings, type SelectedEnvironment } from '../environment/selectTaskEnvironment.js';
import { includedFiles } from '../markdown/includedFiles.js';
import { bodyLocation } from '../markdown/promptTokens.js';
import { skillFolder } from '../markdown/skillFolder.js';
import { canonicalJson as canonical, sha256 } from './canonicalJson.js';
import { configFingerprint } from './configFingerprint.js';
import { ExternalDependencies } from './ExternalDependencies.js';
import { contentIdMode } from './gitBlobHash.js';
import { DEFAULT_GLOBAL_INPUTS, globalInputMatcher } from './globalInputs.js';
import { packageOutputs } from './packageOutputs.js';
import { RepositoryFiles } from './repositoryFiles.js';
import { RunWrites } from './RunWrites.js';
import { TaskInputs } from './TaskInputs.js';
import { withPrefix } from './withPrefix.js';

/** Everything a task's hash is made of; stored with each run so `orch explain` can diff it. */
export interface HashInputs {
  orch: string;
  plugins: Record<string, string>;
  /**
   * The definition: markdown file, included partials, a skill's folder and the agents' files,
   * normalised metadata, or script text; for a prompt, the output of each `` !`cmd` `` line
   * (`output of !`cmd` (line N)`), since the agent gets it, or `not run` (a provisional hash).
   */
  definition: Record<string, string>;
  /**
   * orch's config file as every task sees it (`configFingerprint`): each setting but the run
   * settings (`orchestrator.config.json#targets`) → digest, or a module config's whole text.
   */
  config: Record<string, string>;
  args: string[];
  executor: unknown;
  /**
   * Input files (relative to the root) → content id (git's mode and blob id, `100644 3b18…`):
   * the task's inputs, what links among them lead to, and the global inputs.
   */
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
  /** Input files the task reads through a symbolic link among its inputs → that link. */
  linkedFrom: Record<string, string>;
  /** Links among the inputs whose target is outside the workspace → the target: not hashed, `orch explain` says so. */
  linksOutside: Record<string, string>;
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
  /** The config file in use (absolute), whose settings every hash takes (`configFingerprint`). */
  configFile?: string;
  /** Agent definitions by role: a markdown command's hash takes the files of the agents it uses. */
  agents?: ReadonlyMap<string, AgentDefinition>;
}

/** The parts of a package script's hash that come from around its package. */
type PackageInputs = Pick<HashInputs, 'lockfile' | 'workspaceDependencies' | 'transit'>;

/** A workspace dependency the package declares but no workspace package provides (deleted or renamed). */
export const MISSING = '(missing)';

/**
 * Computes task hashes (see docs/caching.md for what goes in). File ids come from a read of the
 * repository (git index for clean files), made again for a task hashed after tasks of the run
 * wrote files where it reads (`filesWritten`: its hash is of the files as they are when it
 * starts); each task's hash is memoised, and fixed once the task starts (`startsTask`); a
 * dependency's hash (as it ran) is part of its dependents'.
 */
export class TaskHasher {
  private read: RepositoryFiles;
  /** `writes.count` when `read` was started. */
  private readGeneration = 0;
  private readonly writes = new RunWrites();
  /** Tasks whose hash is fixed: they started with it. */
  private readonly started = new Set<string>();
  private readonly starting = new Set<string>();
  /** Arguments of the named tasks, set before they are hashed. */
  readonly args = new Map<string, readonly string[]>();
  /** Per task id, how its prompt's `` !`cmd` `` lines run (with that task's signal and environment). */
  readonly shellLineRunners = new Map<string, ShellLineRunner>();
  private readonly outputs = new Map<string, Promise<ShellOutputs>>();
  /** Lines that failed while hashing, handed once to the next `shellOutputs` (the executor, which fails with it). */
  private readonly lineFailures = new Map<string, unknown>();
  private readonly memo = new Map<string, { generation: number; hash: Promise<TaskHash> }>();
  /** The environment's part of the hash per policy: most tasks of a run share one (their `env` settings are the target's). */
  private readonly hashedEnvironments = new Map<string, Pick<HashInputs, 'env' | 'envMode' | 'passThroughEnv'>>();
  private readonly external: ExternalDependencies;
  private readonly transitMemo = new Map<string, Promise<string>>();
  private globalFiles: Promise<{ files: [string, string][]; ignored: string[] }> | undefined;
  private config: Record<string, string> | undefined;
  private roots: string[] | undefined;
  private packageOutputs: Map<string, string[]> | undefined;
  /** Canonical JSON of the hash inputs' shared parts (`sharedParts`). */
  private readonly canonicalParts = new Map<object, string>();
  /** Whether git's listing of ignored files was started with its other reads (decided at the first hash). */
  private listsIgnored: boolean | undefined;

  constructor(private readonly options: TaskHasherOptions) {
    this.read = new RepositoryFiles(options.root, options.stateDir, options.engine);
    const { engine } = options;
    this.external = new ExternalDependencies(options.root, options.stateDir, engine ? (message) => engine.emit({ type: 'warning', message, source: 'orch:hash' }) : undefined);
  }

  /** The repository's files as last read. */
  get files(): RepositoryFiles {
    return this.read;
  }

  /**
   * The task's hash: memoised, but made again when tasks of the run wrote files where it reads
   * since (`filesWritten`), until it starts (`startsTask`).
   */
  hash(id: string): Promise<TaskHash> {
    let kept = this.memo.get(id);
    // Made again after writes (its read is kept unless they touched what it reads: `filesFor`).
    if (!kept || (!this.started.has(id) && this.writes.count > kept.generation)) {
      const entry = { generation: this.writes.count, hash: this.compute(id) };
      this.memo.set(id, (kept = entry));
      entry.hash.catch(() => {
        if (this.memo.get(id) === entry) this.memo.delete(id);
      });
    }
    if (this.starting.delete(id)) this.started.add(id);
    return kept.hash;
  }

  /** The task starts with the hash asked for next (`taskHasherFor`): it never changes after. */
  startsTask(id: string): void {
    if (!this.started.has(id)) this.starting.add(id);
  }

  /** A task of the run may have written files (it ran, or its outputs were restored): in its package's folder, or anywhere for a root command. */
  filesWrittenBy(id: string): void {
    this.writes.add(this.folder(id));
  }

  /** Where a task reads: its package's folder, or the whole workspace (a root command; inputs that reach out of the package). */
  private scope(id: string): string {
    const inputs = this.options.commands.get(id)?.metadata.inputs ?? [];
    return inputs.some((glob) => glob.includes('$TURBO_ROOT$') || glob.includes('..')) ? '' : this.folder(id);
  }

  /** A package script's folder (relative to the root, `/`-separated); '' for any other command (it runs at the root). */
  private folder(id: string): string {
    const command = this.options.commands.get(id);
    return command?.kind === 'script' ? relative(this.options.root, dirname(command.location.file)).split(sep).join('/') : '';
  }

  /**
   * The repository's files, read again when tasks wrote since the last read and touched `scope`:
   * their folder holds it or lies in it, or a file or folder of it the read knows changed since
   * the read began (a task writing into another package). What the task reads is as it is now.
   */
  private async filesFor(scope: string): Promise<ReadonlyMap<string, string>> {
    if (this.writes.count > this.readGeneration && (this.writes.touchedSince(this.readGeneration, scope) || (await this.changedSinceRead(scope)))) {
      this.read = new RepositoryFiles(this.options.root, this.options.stateDir, this.options.engine, { fresh: true });
      if (this.listsIgnored) this.read.listIgnoredSoon();
      this.readGeneration = this.writes.count;
      this.globalFiles = undefined;
    }
    return this.read.all();
  }

  /** Whether a file the read knows under `scope`, or a folder holding one (a file added or removed there), changed since the read began. */
  private async changedSinceRead(scope: string): Promise<boolean> {
    const since = (this.read.startedAt ?? 0) - TIMESTAMP_SLACK_MS;
    const folders = new Set<string>([scope]);
    for (const [path] of await this.read.under(scope)) {
      if (changedSince(join(this.options.root, path), since)) return true;
      for (let folder = dirname(path); folder !== scope && folder !== '.' && !folders.has(folder); folder = dirname(folder)) folders.add(folder);
    }
    for (const folder of folders) if (changedSince(join(this.options.root, folder), since)) return true;
    return false;
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

    if (this.listsIgnored === undefined) {
      this.listsIgnored = this.inputsHaveWildcards();
      if (this.listsIgnored) this.read.listIgnoredSoon();
    }
    const files = await this.filesFor(this.scope(id));
    const projectDir = command.kind === 'script' ? relative(root, dirname(command.location.file)).split(sep).join('/') : '';
    const definition = await this.definition(command, files);
    provisional ||= Object.values(definition).some((part) => part === NOT_RUN || part === LINE_FAILED);
    const { selected, ignored, linkedFrom, linksOutside } = await this.inputFiles(command, projectDir, files);
    const inputs: HashInputs = {
      orch: ORCH_VERSION,
      plugins: this.options.plugins,
      definition,
      config: this.configSettings(),
      args: [...(this.args.get(id) ?? this.options.args?.get(id) ?? [])],
      executor: executorConfig(command, this.options.agent),
      files: selected,
      ...this.hashedEnvironment(command),
      dependencies,
    };
    if (command.kind === 'script') Object.assign(inputs, await this.packageInputs(id, command, projectDir));
    return { hash: sha256(canonical(inputs, this.sharedParts(inputs))), inputs, ignored, linkedFrom, linksOutside, provisional };
  }

  /** The canonical text of the parts of the inputs every task shares (read once per hasher, never changed), made once. */
  private sharedParts(inputs: HashInputs): ReadonlyMap<object, string> {
    for (const part of [inputs.plugins, inputs.config]) if (!this.canonicalParts.has(part)) this.canonicalParts.set(part, canonical(part));
    return this.canonicalParts;
  }

  /** Whether some command's `inputs` or the config's `globalInputs` have a wildcard: hashing will list the ignored files. */
  private inputsHaveWildcards(): boolean {
    const globs = new Set(this.options.globalInputs);
    for (const command of this.options.commands.values()) for (const glob of command.metadata.inputs ?? []) globs.add(glob);
    return [...globs].some((glob) => !glob.startsWith('!') && picomatch.scan(glob).isGlob);
  }

  /** The config file's fingerprint, read once, at once (a small file: four round trips through the thread pool cost more). */
  private configSettings(): Record<string, string> {
    const file = this.options.configFile;
    this.config ??= file ? configFingerprint(file, textOf(file)) : {};
    return this.config;
  }

  /**
   * The files a task's hash covers: its inputs (`TaskInputs`: in its folder, out of it with
   * `../` or `$TURBO_ROOT$/`, the files git ignores that explicit globs name, as Turborepo
   * hashes them), what the symbolic links among them lead to inside the workspace (the task
   * reads the target), and the global inputs.
   */
  private async inputFiles(command: CommandDefinition, projectDir: string, files: ReadonlyMap<string, string>): Promise<Pick<TaskHash, 'ignored' | 'linkedFrom' | 'linksOutside'> & { selected: Record<string, string> }> {
    const inPackage = command.kind === 'script' && command.project !== undefined;
    const inputs = TaskInputs.of(command, projectDir, inPackage ? this.outputsOf(command.project!) : [], inPackage ? this.packageRoots(projectDir) : []);
    const selected: Record<string, string> = nameTable();
    const linkedFrom: Record<string, string> = nameTable();
    const linksOutside: Record<string, string> = nameTable();
    const links: string[] = [];
    // Only the task's folder is searched, unless a glob reaches out of it.
    for (const [path, id] of inputs.reachesOutside ? files : await this.files.under(projectDir)) {
      if (!inputs.matches(path, this.files.tracked.has(path))) continue;
      selected[path] = id;
      if (contentIdMode(id) === '120000') links.push(path);
    }
    const ignored: string[] = [];
    // Default inputs stay what git knows; files git ignores are inputs only when a glob names them.
    const named = [...(await this.files.ignoredMatching(projectDir, inputs.declared ? inputs.localGlobs : [])), ...(await this.files.ignoredMatching('', inputs.rootGlobs))];
    for (const [path, id] of named) {
      if (!inputs.matches(path) || Object.hasOwn(selected, path)) continue;
      selected[path] = id;
      ignored.push(path);
    }
    for (const link of links) {
      const through = await this.files.through(link);
      for (const [path, id] of through.files) {
        if (Object.hasOwn(selected, path)) continue;
        selected[path] = id;
        linkedFrom[path] = link;
      }
      for (const [from, target] of through.outside) linksOutside[from] = target;
    }
    const global = await (this.globalFiles ??= this.readGlobalInputs(files));
    for (const [path, id] of global.files) selected[path] = id;
    for (const path of global.ignored) if (!ignored.includes(path)) ignored.push(path);
    return { selected, ignored: ignored.sort(), linkedFrom, linksOutside };
  }

  /**
   * The global inputs, read once: the files git knows that they match, and the files git
   * ignores that they name (a `.env`, a `.npmrc` holding a token), hashed all the same, as
   * Turborepo hashes a gitignored file named in `globalDependencies` (FINDINGS-R2 #4).
   */
  private async readGlobalInputs(files: ReadonlyMap<string, string>): Promise<{ files: [string, string][]; ignored: string[] }> {
    const globs = [...DEFAULT_GLOBAL_INPUTS, ...(this.options.globalInputs ?? [])];
    // Names (the built-in ones, `.env`) are looked up; only globs are matched against every file of the repository.
    const isGlobal = globs.every(isPlainName) ? undefined : globalInputMatcher(this.options.globalInputs);
    const known = isGlobal ? [...files].filter(([path]) => isGlobal(path)) : [...new Set(globs)].flatMap((name): [string, string][] => (files.has(name) ? [[name, files.get(name)!]] : []));
    const ignored = await this.files.ignoredMatching('', globs);
    return { files: [...known, ...ignored], ignored: [...ignored.keys()] };
  }

  /** The folders of the workspace packages (a package's inputs leave out the packages inside it). */
  /**
   * The folders of the workspace packages that may be inside `folder` (relative to the root; all
   * of them for the root): sorted once per run and found by binary search, since a task asks
   * for those inside its own folder and a scan of them all per task made a 1,000-package hit
   * quadratic (issue 13).
   */
  private packageRoots(folder: string): string[] {
    this.roots ??= [...(this.options.projects?.values() ?? [])].map((project) => project.root).sort();
    return folder === '' || folder === '.' ? this.roots : withPrefix(this.roots, (root) => root, `${folder}/`);
  }

  /** The output globs of every task of a package (its tasks' default inputs leave them out). */
  private outputsOf(project: string): string[] {
    this.packageOutputs ??= packageOutputs(this.options.commands.values());
    return this.packageOutputs.get(project) ?? [];
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
        // Its own files: those of packages inside it are theirs (as for its tasks' inputs).
        const folder = root === '.' ? '' : root;
        const own = new TaskInputs(undefined, [], folder, [], this.packageRoots(folder));
        const files = (await this.files.under(folder)).filter(([path]) => own.matches(path, true));
        return sha256(canonical({ files: Object.fromEntries(files), lockfile: await this.external.of(root) }));
      })();
      this.transitMemo.set(name, digest);
    }
    return digest;
  }

  /** What the task sees of the environment and what of it is hashed, as its executor will select it. */
  environment(command: CommandDefinition): SelectedEnvironment {
    return selectTaskEnvironment(this.envSource(), this.envPolicy(command));
  }

  /**
   * The environment's part of the task's hash, selected once per distinct policy (the source is
   * the same for every task of the hasher, and the selection is pure); each task gets its own copy.
   */
  private hashedEnvironment(command: CommandDefinition): Pick<HashInputs, 'env' | 'envMode' | 'passThroughEnv'> {
    const policy = this.envPolicy(command);
    const key = JSON.stringify([policy.mode, policy.env, policy.passThroughEnv, policy.globalEnv, policy.globalPassThroughEnv, policy.framework?.slug]);
    let found = this.hashedEnvironments.get(key);
    if (!found) {
      found = hashedEnvironment(selectTaskEnvironment(this.envSource(), policy));
      this.hashedEnvironments.set(key, found);
    }
    return { env: { ...found.env }, envMode: found.envMode, passThroughEnv: [...found.passThroughEnv] };
  }

  private envSource(): Readonly<Record<string, string | undefined>> {
    return this.options.envSource ?? inheritedEnvironment();
  }

  private envPolicy(command: CommandDefinition): EnvPolicy {
    return envPolicy(command.metadata, this.options.env, isPromptCommand(command) ? agentCredentialEnv(this.options.agent, this.envSource()) : []);
  }

  /** The definition's parts, each hashed: the file (and partials it includes) or the steps. */
  private async definition(command: CommandDefinition, files: ReadonlyMap<string, string>): Promise<Record<string, string>> {
    const { root } = this.options;
    const parts: Record<string, string> = nameTable([['metadata', sha256(canonical({ ...command.metadata, steps: command.steps.map(({ location: _l, ...step }) => step), kind: command.kind }))]]);
    if (command.kind !== 'markdown') return parts;
    const file = relative(root, command.location.file).split(sep).join('/');
    parts[file] = await definitionPart(files.get(file), command.location.file);
    for (const rel of includedFiles(command, root)) {
      // `~/x` includes are outside the repository: hashed from the home folder (empty when missing).
      const path = rel.startsWith('~/') ? join(process.env.HOME || homedir(), rel.slice(2)) : join(root, rel);
      parts[rel] = await definitionPart(files.get(rel), path);
    }
    const folder = skillFolder(command, root);
    if (folder !== undefined) for (const [path, id] of files) if (path.startsWith(`${folder}/`)) parts[path] = await definitionPart(id, join(root, path));
    // The agents it runs as: their definitions (system prompt, tools, model) are what it sees.
    for (const { name: role } of agentsUsedBy(command)) {
      const agentFile = this.options.agents?.get(role)?.location.file;
      if (agentFile === undefined) continue;
      const rel = relative(root, agentFile).split(sep).join('/');
      parts[rel] = await definitionPart(files.get(rel), agentFile);
    }
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

/**
 * A definition file's part of the hash: what the agent is given, read from it. Git's content id
 * when git knows the file; a symbolic link (a command, agent, skill or `@` file linked from a
 * dotfiles folder) is read through, so its target's text is hashed wherever it is, with the
 * link's id (FINDINGS-R2 #2); a file git does not list is read (empty when missing).
 */
async function definitionPart(id: string | undefined, file: string): Promise<string> {
  if (id !== undefined && contentIdMode(id) !== '120000') return id;
  const content = sha256(await readFile(file).catch(() => Buffer.from('')));
  return id === undefined ? content : `${id} -> ${content}`;
}

/**
 * Whether a glob names one path, as written (`tsconfig.base.json`, `ci/.env`): segments of
 * letters, digits, `_`, `.`, `-`, `@` and `+` only, none `.` or `..`, so picomatch would match that
 * path alone. Anything else (a wildcard, a negation, an escape, non-ASCII text) is matched by picomatch.
 */
function isPlainName(glob: string): boolean {
  return glob.split('/').every((segment) => PLAIN_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

const PLAIN_SEGMENT = /^[\w.@+-]+$/;

/** A file's text, or undefined when it cannot be read. */
function textOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
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

/** File times come from a coarse clock (a scheduler tick behind): a change just after `since` may be stamped a little before it. */
const TIMESTAMP_SLACK_MS = 50;

/** Whether the file or folder at `path` is gone, or was written or changed (mode, links) at or after `since` (ms). */
function changedSince(path: string, since: number): boolean {
  const info = lstatSync(path, { throwIfNoEntry: false });
  return info === undefined || info.mtimeMs >= since || info.ctimeMs >= since;
}
