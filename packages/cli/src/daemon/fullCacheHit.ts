import type { SessionRunOptions } from '../runSession.js';

/**
 * Whether every task of a run would come from the local cache: what the daemon admits of
 * `orch run` (docs/daemon.md), so no task's process ever starts in the daemon (its environment,
 * terminal and signals are the client's). Asked of the run's own hasher (`graphTaskHasher`): the
 * run hashes nothing again. Not a hit: `--force`, the local cache not read, a task with
 * `cache: false` or `persistent: true`, a prompt (its `` !`cmd` `` lines run with its task), a
 * provisional hash, an entry missing or of a failed run.
 */
export async function fullCacheHit(options: SessionRunOptions): Promise<boolean> {
  const { workspace, plan, roots, args } = options;
  const { config, engine, registry } = workspace;
  if (options.resume || options.distribute || config.cache.force || !config.cache.local.includes('r')) return false;
  const { graphTaskHasher, LocalCache, isPromptCommand } = await import('@orch/plugins');
  const commands = plan.map((task) => registry.commands.get(task.id));
  if (commands.some((command) => !command || command.metadata.cache === false || command.metadata.persistent === true || isPromptCommand(command))) return false;
  const hasher = graphTaskHasher(engine, options.graph, { root: config.root, stateDir: config.stateDir, commands: registry.commands, projects: registry.projects, agents: registry.agents });
  if (args.length > 0) for (const id of roots.keys()) hasher.args.set(id, args);
  // The run takes the entries read here (`readAhead`) instead of reading each again.
  const cache = LocalCache.of(engine);
  for (const task of plan) {
    const { hash, provisional } = await hasher.hash(task.id);
    if (provisional) return false;
    const entry = await cache.readAhead(hash);
    if (entry?.meta.exitCode !== 0) return false;
  }
  return true;
}
