import { ORCH_VERSION, type Engine, type TaskContext } from '@orch/engine';
import { TaskHasher } from './TaskHasher.js';

const hashers = new WeakMap<object, TaskHasher>();

/** One hasher per run (per task graph), shared by the plugins that need hashes. */
export function taskHasherFor(engine: Engine, task: TaskContext): TaskHasher {
  let hasher = hashers.get(task.graph);
  if (!hasher) {
    hasher = new TaskHasher({
      root: task.root,
      stateDir: task.stateDir,
      commands: task.commands,
      graph: task.graph,
      agent: engine.config.agent,
      env: engine.config,
      plugins: pluginVersions(engine),
      engine,
      projects: task.projects,
      globalInputs: engine.config.globalInputs,
      ...(engine.config.configFile ? { configFile: engine.config.configFile } : {}),
      agents: task.agents,
    });
    hashers.set(task.graph, hasher);
  }
  if (task.args.length > 0) hasher.args.set(task.id, task.args);
  return hasher;
}

/** Versions of the plugins that take part: built-ins have orch's; others their own, if they say. */
export function pluginVersions(engine: Engine): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const plugin of engine.plugins) versions[plugin.name] = plugin.version ?? (plugin.name.startsWith('orch:') ? ORCH_VERSION : 'unversioned');
  return versions;
}
