import type { CommandDefinition, CommandRegistry, Project } from '@orch/engine';
import { packageOutputs } from '../cache/packageOutputs.js';
import { pathMatcher } from '../cache/pathMatcher.js';
import { ROOT_MICROSYNTAX, TaskInputs } from '../cache/TaskInputs.js';

/** A glob that may name files outside its package: from the root, or with `..`. */
const MAY_LEAVE = /^!?(\$TURBO_ROOT\$|(?:.*\/)?\.\.(?:\/|$))/;

/**
 * What the tasks of each package read (`TaskInputs`, as the hasher asks) and make (their
 * declared outputs), for `orch affected`: a package's files are mapped by folder, so only the
 * files that match its outputs, and the tasks whose globs may leave their package, need their
 * inputs resolved. Both are worked out on first use, so a change to a few files costs little in
 * a workspace of hundreds of packages.
 */
export class PackageReads {
  private readonly outputs: Map<string, string[]>;
  private readonly commands = new Map<string, CommandDefinition[]>();
  private readonly products = new Map<string, (path: string) => boolean>();
  private readonly inputs = new Map<string, TaskInputs[]>();
  private outsideReaders: [string, TaskInputs][] | undefined;

  constructor(private readonly registry: Pick<CommandRegistry, 'commands' | 'projects'>) {
    this.outputs = packageOutputs(registry.commands.values());
    for (const command of registry.commands.values()) if (command.kind === 'script' && command.project) this.commands.set(command.project, [...(this.commands.get(command.project) ?? []), command]);
  }

  /**
   * A file of the package that is a declared output of its tasks and an input of none of them:
   * the hash leaves it out too. A file git tracks never is (`TaskInputs.matches`): pass
   * `tracked` for a committed or uncommitted change to one.
   */
  isBuildProduct(project: Project, path: string, tracked = false): boolean {
    if (tracked) return false;
    let isOutput = this.products.get(project.name);
    if (!isOutput) {
      const globs = this.outputs.get(project.name) ?? [];
      const matches = globs.length > 0 ? pathMatcher(globs) : () => false;
      const prefix = project.root === '.' ? '' : `${project.root}/`;
      isOutput = (file) => file.startsWith(prefix) && matches(file.slice(prefix.length));
      this.products.set(project.name, isOutput);
    }
    return isOutput(path) && !this.inputsOf(project).some((inputs) => inputs.matches(path));
  }

  /** The packages one of whose tasks names this file in `inputs` from outside the package (`../../shared/**`). */
  readersFromOutside(path: string): string[] {
    if (!this.outsideReaders) {
      this.outsideReaders = [];
      for (const command of this.registry.commands.values()) {
        const project = command.kind === 'script' && command.project ? this.registry.projects.get(command.project) : undefined;
        if (!project || !(command.metadata.inputs ?? []).some((glob) => MAY_LEAVE.test(glob) || glob.startsWith(ROOT_MICROSYNTAX))) continue;
        const inputs = this.taskInputs(command, project);
        if (inputs.reachesOutside) this.outsideReaders.push([project.name, inputs]);
      }
    }
    return [...new Set(this.outsideReaders.filter(([, inputs]) => inputs.matches(path)).map(([name]) => name))];
  }

  private inputsOf(project: Project): TaskInputs[] {
    let found = this.inputs.get(project.name);
    if (!found) {
      found = (this.commands.get(project.name) ?? []).map((command) => this.taskInputs(command, project));
      this.inputs.set(project.name, found);
    }
    return found;
  }

  private taskInputs(command: CommandDefinition, project: Project): TaskInputs {
    return TaskInputs.of(command, project.root === '.' ? '' : project.root, this.outputs.get(project.name), [...this.registry.projects.values()].map((p) => p.root));
  }
}
