import type { Diagnostic, Severity, SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { yamlLocator } from '../diagnostics/yamlLocator.js';
import { parseYaml } from '../yaml/readYaml.js';
import type { AgentDefinition, CommandDefinition, Project } from './CommandDefinition.js';

/**
 * Everything the command sources found: commands, agents and workspace projects, plus the
 * diagnostics they raised on the way. A second entry under a name already taken is refused
 * with a diagnostic that names both places; the first one is kept. A duplicate command id is an
 * error of that command (a run of it is refused: which one is meant?); a duplicate agent name
 * is a warning, which the agents plugin makes an error when a command uses that agent.
 */
export class CommandRegistry {
  readonly commands = new Map<string, CommandDefinition>();
  readonly agents = new Map<string, AgentDefinition>();
  readonly projects = new Map<string, Project>();
  readonly diagnostics: Diagnostic[] = [];

  addCommand(command: CommandDefinition): boolean {
    return this.addUnique(this.commands, command.id, command, (existing) => ({
      code: 'command/duplicate-id',
      message: `duplicate command id '${command.id}' (${existing.source === command.source ? `both from ${command.source}` : `from ${command.source}`}); the ${existing.source === command.source ? 'first one' : `one from ${existing.source}`} is kept`,
      location: command.location,
      hint: 'rename one of them, or remove it from one source',
      related: [{ message: `'${command.id}' is first declared here`, location: existing.location }],
      owner: { kind: 'command', id: command.id },
    }));
  }

  addAgent(agent: AgentDefinition): boolean {
    return this.addUnique(this.agents, agent.name, agent, (existing) => ({
      severity: 'warning',
      code: 'agent/duplicate-name',
      message: `duplicate agent '${agent.name}'; the first definition is kept`,
      location: agent.location,
      hint: 'rename or remove one of them',
      related: [{ message: `'${agent.name}' is first defined here`, location: existing.location }],
      owner: { kind: 'agent', name: agent.name },
    }));
  }

  addProject(project: Project): boolean {
    return this.addUnique(this.projects, project.name, project, (existing) => ({
      code: 'workspace/duplicate-project',
      message: `two workspace packages are named '${project.name}': ${existing.root} and ${project.root}; the first one is kept`,
      ...nameLocation(project.packageJson),
      hint: 'give each package its own "name"',
      related: [{ message: `'${project.name}' is first named here`, ...nameLocation(existing.packageJson) }],
    }));
  }

  report(diagnostic: Diagnostic): void {
    this.diagnostics.push(diagnostic);
  }

  /** Commands sorted by id, for stable output. */
  sortedCommands(): CommandDefinition[] {
    return [...this.commands.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private addUnique<T>(
    map: Map<string, T>,
    key: string,
    value: T,
    duplicate: (existing: T) => Omit<Diagnostic, 'severity'> & { severity?: Severity },
  ): boolean {
    const existing = map.get(key);
    if (existing !== undefined) {
      this.diagnostics.push({ severity: 'error', ...duplicate(existing) });
      return false;
    }
    map.set(key, value);
    return true;
  }
}

/** Where a package.json writes its `"name"` (findings R2 #17: a duplicate name is located), else the file. */
function nameLocation(file: string): { location: SourceLocation; sourceLine?: string } {
  try {
    const source = SourceFile.read(file);
    const { document } = parseYaml(source.text);
    if (document) return yamlLocator(document, source)(['name']);
  } catch {
    // unreadable now: the file alone
  }
  return { location: { file } };
}
