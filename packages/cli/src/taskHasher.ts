import { resolve } from 'node:path';
import type { ShellLineRunner } from '@orch/plugins';
import type { OpenWorkspace } from './openWorkspace.js';
import { pluginsModule } from './lazyModules.js';

/**
 * A hasher and the local cache for a workspace, outside a run (explain, dry runs, cache
 * commands). Prompts' `!`cmd`` lines run only with `shellLines` (explain); without it, their
 * hashes are provisional (a dry run runs nothing).
 */
export async function workspaceCache(workspace: OpenWorkspace, options: { shellLines?: ShellLineRunner } = {}) {
  const { TaskHasher, LocalCache, TaskRecords, pluginVersions } = await pluginsModule();
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
    ...(options.shellLines ? { shellLines: options.shellLines } : {}),
    ...(config.configFile ? { configFile: config.configFile } : {}),
    agents: registry.agents,
  });
  return { hasher, cache: new LocalCache(resolve(config.root, config.cache.dir)), records: new TaskRecords(resolve(config.root, config.stateDir)) };
}
