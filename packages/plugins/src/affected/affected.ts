import { basename, relative, sep } from 'node:path';
import { agentsUsedBy, CONFIG_SEARCH_PLACES, ownValue, type CommandDefinition, type CommandRegistry, type TaskGraph } from '@orch/engine';
import { configChanges, configFingerprint } from '../cache/configFingerprint.js';
import { globalInputMatcher } from '../cache/globalInputs.js';
import { TaskInputs } from '../cache/TaskInputs.js';
import { LOCKFILES, OTHER_LOCKFILES, type LockfileName } from '../lockfile/lockfileClosures.js';
import { ROOT_DEPENDENCY_FIELDS } from '../lockfile/rootDependencyFields.js';
import { includedFiles } from '../markdown/includedFiles.js';
import { skillFolder } from '../markdown/skillFolder.js';
import type { ChangedFile, ChangeSet } from './changedFiles.js';
import { deletedPackages } from './deletedPackages.js';
import { linkedChanges, type LinkedChange } from './linkedChanges.js';
import { PackageReads } from './packageReads.js';
import { diffLockfile } from './lockfileChanges.js';

export interface AffectedResult {
  /** Affected projects by name, each with why (the first reason is the direct one). */
  projects: Map<string, string[]>;
  /** The projects the change touches themselves, before their dependents are added (`--filter=[ref]`). */
  changed: Set<string>;
  /** Affected commands other than package scripts (markdown, config, workflows), with why. */
  commands: Map<string, string[]>;
  /** Changed files in no project and no global input. */
  outside: string[];
  /** Changed files that are declared outputs of their package's tasks and inputs of none: build products, not changes. */
  outputs: string[];
  warnings: string[];
}

export interface AffectedOptions {
  root: string;
  registry: Pick<CommandRegistry, 'commands' | 'projects' | 'agents'>;
  /** The task graph, asked for only when a command other than a package script may depend on an affected task. */
  graph: () => TaskGraph;
  changes: ChangeSet;
  globalInputs?: readonly string[];
  /** The config file in use (absolute): a change to its settings affects everything (`configFingerprint`). */
  configFile?: string;
}

/**
 * What a change touches, as the task hash sees it (docs/caching.md, "The hash and orch
 * affected"). Each file maps to the project with the longest root that contains it, unless it
 * is a declared output of that project's tasks and an input of none; to every project one of
 * whose tasks names it in `inputs` from outside the package (`../../shared/**`); and, when a
 * symbolic link leads to it, as the link would. A global input affects everything, and so does
 * a change to the config's settings (`configFingerprint`); a lockfile change affects only the
 * packages whose resolved dependencies changed (every package, with a warning, when it does
 * not parse), and so does a change to the root package.json's dependencies. Markdown commands
 * are affected by their file, the partials they include, the agents they use and their
 * declared inputs; config commands by their inputs (any file, when they declare none). Then
 * dependents, transitively: projects that depend on an affected project, commands that depend
 * on an affected task.
 */
export async function computeAffected(options: AffectedOptions): Promise<AffectedResult> {
  const { root, registry, graph, changes } = options;
  const projects = new Map<string, string[]>();
  const commands = new Map<string, string[]>();
  const outside: string[] = [];
  const outputs: string[] = [];
  const warnings: string[] = [];
  const because = (map: Map<string, string[]>, key: string, reason: string): void => {
    const reasons = map.get(key);
    if (!reasons) map.set(key, [reason]);
    else if (!reasons.includes(reason)) reasons.push(reason);
  };
  const everything = (reason: string): void => {
    for (const name of registry.projects.keys()) because(projects, name, reason);
    for (const command of registry.commands.values()) if (command.kind !== 'script') because(commands, command.id, reason);
  };

  // Longest root first; the root package (`.`) last.
  const byRoot = [...registry.projects.values()].sort((a, b) => rootLength(b.root) - rootLength(a.root));
  const projectOf = (path: string) => byRoot.find((p) => p.root === '.' || path === p.root || path.startsWith(`${p.root}/`));
  const isGlobal = globalInputMatcher(options.globalInputs);
  const hasWorkspace = byRoot.some((p) => p.root !== '.');
  const configFile = options.configFile ? rel(root, options.configFile) : undefined;
  const reads = new PackageReads(registry);

  let rootDependenciesChanged: string | undefined;
  let lockfileRead = false;
  for (const file of changes.files) {
    const what = describe(file);
    if (isGlobal(file.path)) {
      everything(`global input: ${what}`);
      continue;
    }
    if (file.path === configFile || (file.path !== 'package.json' && CONFIG_SEARCH_PLACES.includes(file.path))) {
      const settings = await changedSettings(file.path);
      if (settings.length > 0) {
        everything(`config: ${file.path}: ${settings.slice(0, 3).join(', ')}${settings.length > 3 ? `, and ${settings.length - 3} more` : ''} changed`);
        continue;
      }
    }
    if ((LOCKFILES as readonly string[]).includes(file.path)) {
      lockfileRead = (await lockfileChange(file.path as LockfileName)) || lockfileRead;
      continue;
    }
    if ((OTHER_LOCKFILES as readonly string[]).includes(file.path)) {
      warnings.push(`${file.path} changed; orch reads pnpm and npm lockfiles precisely, not this one, so every project counts as affected`);
      for (const name of registry.projects.keys()) because(projects, name, `lockfile: ${what}`);
      continue;
    }
    if (file.path === 'package.json' && hasWorkspace) {
      const settings = await changedSettings(file.path);
      if (settings.length > 0) everything(`config: package.json: ${settings.join(', ')} changed`);
      const change = await rootManifestChange();
      if (change === 'workspaces') everything(`root package.json: workspaces changed`);
      else if (change) rootDependenciesChanged = change;
      else if (settings.length === 0) outside.push(file.path);
      continue;
    }
    const project = projectOf(file.path);
    if (project && reads.isBuildProduct(project, file.path, file.where === 'committed' || file.where === 'uncommitted')) outputs.push(file.path);
    else if (project) because(projects, project.name, what);
    // Inputs from outside their package: a task that names the file reads it.
    const readers = reads.readersFromOutside(file.path).filter((name) => name !== project?.name);
    for (const name of readers) because(projects, name, `input from outside the package: ${what}`);
    if (!project && readers.length === 0) outside.push(file.path);
  }
  // Files the tasks read through symbolic links: a change to the target is a change to the link.
  const linked = await linkedChanges(root, changes.files, changes.links);
  for (const { link, file } of linked) {
    const project = projectOf(link);
    if (!project) continue;
    because(projects, project.name, `${describe(file)} (through the link ${link})`);
    const index = outside.indexOf(file.path);
    if (index >= 0) outside.splice(index, 1);
  }
  // Root dependencies: the lockfile says precisely whom they reach; without it, everyone.
  if (rootDependenciesChanged && !lockfileRead) for (const name of registry.projects.keys()) because(projects, name, `root package.json: ${rootDependenciesChanged}`);
  // A deleted package: whoever still declares it now resolves something else (or nothing).
  // Its own files are accounted for by that reason, not "outside every project".
  for (const deleted of await deletedPackages(changes, registry.projects)) {
    for (const project of deleted.declaredBy) because(projects, project, deleted.how === 'deleted' ? `dependency ${deleted.name} was deleted` : `dependency ${deleted.name}'s package.json changed, and no package is named ${deleted.name} now`);
    if (deleted.declaredBy.length > 0) outside.splice(0, outside.length, ...outside.filter((path) => !path.startsWith(`${deleted.folder}/`)));
  }

  // Commands other than package scripts. A file that affects one is not "outside" any more.
  const affecting = new Set<string>();
  for (const command of registry.commands.values()) {
    for (const { file, reason } of commandChanges(command, root, registry, changes.files, linked)) {
      if (reason !== undefined) because(commands, command.id, reason);
      affecting.add(file.path);
    }
  }
  for (let i = outside.length - 1; i >= 0; i--) if (affecting.has(outside[i]!)) outside.splice(i, 1);

  const changed = new Set(projects.keys());
  // Dependents of projects, transitively (reverse project graph).
  const dependents = new Map<string, string[]>();
  for (const project of registry.projects.values()) for (const dep of project.dependencies) dependents.set(dep, [...(dependents.get(dep) ?? []), project.name]);
  const queue = [...projects.keys()];
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const dependent of dependents.get(name) ?? []) {
      if (!projects.has(dependent)) queue.push(dependent);
      because(projects, dependent, `depends on ${name}`);
    }
  }
  // Commands that depend on an affected task (a command, or a task of an affected project).
  const affectedTask = (id: string): string | undefined => {
    if (commands.has(id)) return id;
    const project = registry.commands.get(id)?.project;
    return project && projects.has(project) ? id : undefined;
  };
  const tasks = [...registry.commands.values()].some((command) => command.kind !== 'script') ? graph() : undefined;
  for (const id of tasks?.order ?? []) {
    const command = registry.commands.get(id);
    if (!command || command.kind === 'script') continue;
    for (const edge of tasks!.nodes.get(id)?.dependencies ?? []) {
      const hit = affectedTask(edge.to);
      if (hit) because(commands, id, `depends on ${hit}`);
    }
  }
  // A reason that came later than a dependency's must not hide the direct one: direct first.
  for (const map of [projects, commands]) for (const [key, reasons] of map) map.set(key, [...reasons.filter((r) => !r.startsWith('depends on ')), ...reasons.filter((r) => r.startsWith('depends on '))]);
  return { projects, changed, commands, outside, outputs, warnings };

  /** The config settings a change to this file changes (`configFingerprint`), or none. */
  async function changedSettings(path: string): Promise<string[]> {
    const [before, after] = [configFingerprint(path, await changes.before(path)), configFingerprint(path, await changes.after(path))];
    return configChanges(before, after).map((key) => key.slice(key.indexOf('#') + 1) || basename(key));
  }

  async function lockfileChange(file: LockfileName): Promise<boolean> {
    try {
      const diff = diffLockfile(file, await changes.before(file), await changes.after(file));
      for (const [folder, lines] of diff) {
        const reason = `lockfile: ${lines.slice(0, 3).join(', ')}${lines.length > 3 ? `, and ${lines.length - 3} more` : ''}`;
        const project = byRoot.find((p) => p.root === folder);
        if (project) because(projects, project.name, reason);
        else if (folder === '.') for (const name of registry.projects.keys()) because(projects, name, `${reason} (root dependencies)`);
      }
      return true;
    } catch (error) {
      warnings.push(`${file} changed but could not be read (${(error as Error).message.split('\n')[0]}); every project counts as affected`);
      for (const name of registry.projects.keys()) because(projects, name, `lockfile: ${file} changed (unreadable, so everything)`);
      return false;
    }
  }

  /** 'workspaces', a description of changed dependencies, or undefined when neither changed. */
  async function rootManifestChange(): Promise<string | undefined> {
    const read = async (text: Promise<string | undefined>) => {
      try {
        return JSON.parse((await text) ?? '{}') as Record<string, any>;
      } catch {
        return undefined;
      }
    };
    const [before, after] = [await read(changes.before('package.json')), await read(changes.after('package.json'))];
    if (!before || !after) return 'workspaces';
    if (JSON.stringify(before.workspaces) !== JSON.stringify(after.workspaces)) return 'workspaces';
    const names: string[] = [];
    for (const section of ROOT_DEPENDENCY_FIELDS) {
      const a = (before[section] ?? {}) as Record<string, unknown>;
      const b = (after[section] ?? {}) as Record<string, unknown>;
      for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const [was, is] = [ownValue(a, name), ownValue(b, name)];
        if (JSON.stringify(was) !== JSON.stringify(is)) names.push(`${name} ${JSON.stringify(was ?? null)} -> ${JSON.stringify(is ?? null)}`);
      }
    }
    return names.length > 0 ? names.slice(0, 3).join(', ') + (names.length > 3 ? `, and ${names.length - 3} more` : '') : undefined;
  }
}

/**
 * The changed files that affect a markdown or config command, each with the reason: a markdown
 * command's own file, the partials it includes, its skill folder, its agents' files; any
 * command's declared inputs; every file for a markdown or config command that declares none,
 * as its hash takes every file.
 */
function commandChanges(command: CommandDefinition, root: string, registry: AffectedOptions['registry'], files: readonly ChangedFile[], linked: readonly LinkedChange[]): { file: ChangedFile; reason?: string }[] {
  if (command.kind === 'script' || command.kind === 'workflow') return [];
  const found: { file: ChangedFile; reason?: string }[] = [];
  const changed = new Map(files.map((file) => [file.path, file]));
  const add = (path: string | undefined, why: (file: ChangedFile) => string): void => {
    const file = path === undefined ? undefined : changed.get(path);
    if (file) found.push({ file, reason: why(file) });
    // A definition file that is a link is read through, and hashed so (TaskHasher): its target's change counts.
    for (const through of linked) if (through.link === path) found.push({ file: through.file, reason: `${why(through.file)} (through the link ${path})` });
  };
  if (command.kind === 'markdown') {
    const own = rel(root, command.location.file);
    add(own, describe);
    for (const partial of includedFiles(command, root, false)) add(partial, (file) => `${describe(file)} (included)`);
    const folder = skillFolder(command, root);
    if (folder !== undefined) for (const file of files) if (file.path.startsWith(`${folder}/`) && file.path !== own) add(file.path, (f) => `${describe(f)} (skill folder)`);
    for (const { name: role } of agentsUsedBy(command)) {
      const agentFile = registry.agents.get(role)?.location.file;
      add(agentFile && rel(root, agentFile), (file) => `${describe(file)} (agent ${role})`);
    }
  }
  // Inputs: the first file is the reason given; every one of them affects the command.
  const globs = command.metadata.inputs;
  const taskInputs = TaskInputs.of(command, '');
  // Without `inputs`, a markdown or config command's hash takes every file of the repository (it
  // may read any): so does affected, or a change would miss the cache yet not be listed.
  const matches = (path: string) => taskInputs.matches(path);
  // One reason per file: a definition file already said why (issue 12, part 7).
  const counted = new Set(found.map(({ file }) => file.path));
  const inputs = files.filter((file) => !counted.has(file.path) && matches(file.path));
  if (inputs.length > 0) found.push({ file: inputs[0]!, reason: globs !== undefined ? `input ${describe(inputs[0]!)}` : `${describe(inputs[0]!)} (declares no inputs, so any file may be one)` });
  for (const file of inputs.slice(1)) found.push({ file });
  return found;
}

function describe(file: ChangedFile): string {
  if (file.status === 'renamed') return `renamed: ${file.from} -> ${file.path}`;
  return `${file.status === 'deleted' ? 'deleted' : file.status === 'added' ? 'added' : 'changed'}: ${file.path}`;
}

function rootLength(root: string): number {
  return root === '.' ? -1 : root.length;
}

function rel(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}
