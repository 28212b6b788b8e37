import { join } from 'node:path';
import { agentsUsedBy, blocksRun, type Diagnostic, type RunScope } from '@orch/engine';
import type { OpenWorkspace } from './openWorkspace.js';
import { inspectModule } from './lazyModules.js';

/**
 * What a run of these tasks reads: the tasks, the agents they use, and the files that define
 * them (command files, their `@` includes, agent files), with the config file. With no tasks,
 * only the config: the problems that stop every command.
 */
export async function runScope(workspace: OpenWorkspace, ids: ReadonlySet<string>): Promise<RunScope> {
  const { registry, config } = workspace;
  const { includedFiles } = await inspectModule();
  const agents = new Set<string>();
  const files = new Set<string>();
  for (const id of ids) {
    const command = registry.commands.get(id);
    if (!command) continue;
    files.add(command.location.file);
    if (command.kind === 'markdown') for (const rel of includedFiles(command, config.root)) files.add(join(config.root, rel));
    for (const { name } of agentsUsedBy(command)) {
      agents.add(name);
      const agent = registry.agents.get(name);
      if (agent) files.add(agent.location.file);
    }
  }
  return { commands: ids, agents, files, ...(config.configFile ? { configFile: config.configFile } : {}) };
}

/** Whether a diagnostic stops every command: an error of the config (or with no place at all). */
export function stopsEveryCommand(workspace: OpenWorkspace): (diagnostic: Diagnostic) => boolean {
  const scope: RunScope = { commands: new Set(), agents: new Set(), files: new Set(), ...(workspace.config.configFile ? { configFile: workspace.config.configFile } : {}) };
  return (diagnostic) => blocksRun(diagnostic, scope);
}
