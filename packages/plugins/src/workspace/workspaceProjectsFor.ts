import type { CommandRegistry, DiscoveryContext } from '@orch/engine';
import { WorkspaceCache } from '../state/WorkspaceCache.js';
import { readWorkspaceProjects, type WorkspaceProjects } from './readWorkspaceProjects.js';

const reads = new WeakMap<CommandRegistry, Promise<WorkspaceProjects>>();

/**
 * The workspace packages of one discovery, read once however many sources need them (package
 * scripts, and the `.claude/skills` folders of packages).
 */
export function workspaceProjectsFor({ root, config, registry }: DiscoveryContext): Promise<WorkspaceProjects> {
  let read = reads.get(registry);
  if (!read) {
    read = readWorkspaceProjects(root, config.workspaces, config.configFile, WorkspaceCache.open(root, config.stateDir));
    reads.set(registry, read);
  }
  return read;
}
