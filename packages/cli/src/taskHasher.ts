import { join, resolve } from 'node:path';
import type { OpenWorkspace } from './openWorkspace.js';

/** A hasher and the local cache for a workspace, outside a run (explain, dry runs, cache commands). */
export async function workspaceCache(workspace: OpenWorkspace) {
  const { TaskHasher, LocalCache, HashRecords, pluginVersions } = await import('@orch/plugins');
  const { config, engine, registry } = workspace;
  const hasher = new TaskHasher({
    root: config.root,
    stateDir: config.stateDir,
    commands: registry.commands,
    graph: workspace.graph().graph,
    agent: config.agent,
    env: config,
    plugins: pluginVersions(engine),
    engine,
    projects: registry.projects,
    globalInputs: config.globalInputs,
    ...(config.configFile ? { configFile: config.configFile } : {}),
    agents: registry.agents,
  });
  return { hasher, cache: new LocalCache(resolve(config.root, config.cache.dir)), records: new HashRecords(join(config.root, config.stateDir)) };
}
