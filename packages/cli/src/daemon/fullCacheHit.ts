import { resolve, sep } from 'node:path';
import type { SessionRunOptions } from '../runSession.js';
import { pluginsModule } from '../lazyModules.js';

/** What the full-hit check found: `hit`, or the first task that is not one; `checked` tasks were looked at. */
export interface FullHitVerdict {
  hit: boolean;
  checked: number;
  /** The task that is not a hit, and why. */
  miss?: { task: string; why: string };
}

/**
 * Whether every task of a run would come from the local cache: what the daemon admits of
 * `orch run` (docs/daemon.md), so no task's process ever starts in the daemon (its environment,
 * terminal and signals are the client's). Asked of the run's own hasher (`graphTaskHasher`): the
 * run hashes nothing again. Not a hit: `--force`, the local cache not read, a task with
 * `cache: false` or `persistent: true`, a prompt (its `` !`cmd` `` lines run with its task), a
 * provisional hash, an entry missing or of a failed run, outputs not in place as the entry left
 * them (a restore may be refused, and the task would then run: `outputsInPlaceFor`).
 *
 * The tasks of packages holding a file in `changed` (absolute paths: what changed since the
 * invocation before, `WorkTreeWatch.changedPaths`) are looked at first: after an edit, the miss
 * is found there at once, and the client, which runs the invocation itself, waits less.
 */
export async function fullCacheHit(options: SessionRunOptions, changed?: ReadonlySet<string>): Promise<FullHitVerdict> {
  const { workspace, plan, roots, args } = options;
  const { config, engine, registry } = workspace;
  if (options.resume || options.distribute || config.cache.force || !config.cache.local.includes('r')) return { hit: false, checked: 0, miss: { task: '*', why: 'the local cache is not read' } };
  const { graphTaskHasher, LocalCache, isPromptCommand, outputsInPlaceFor } = await pluginsModule();
  for (const task of plan) {
    const command = registry.commands.get(task.id);
    const why = !command ? 'unknown' : command.metadata.cache === false ? 'cache: false' : command.metadata.persistent === true ? 'persistent' : isPromptCommand(command) ? 'a prompt' : undefined;
    if (why) return { hit: false, checked: 0, miss: { task: task.id, why } };
  }
  const hasher = graphTaskHasher(engine, options.graph, { root: config.root, stateDir: config.stateDir, commands: registry.commands, projects: registry.projects, agents: registry.agents });
  if (args.length > 0) for (const id of roots.keys()) hasher.args.set(id, args);
  // The run takes the entries read here (`readAhead`) instead of reading each again.
  const cache = LocalCache.of(engine);
  let checked = 0;
  for (const task of likeliestMissesFirst(options, changed)) {
    checked++;
    const { hash, provisional } = await hasher.hash(task.id);
    if (provisional) return { hit: false, checked, miss: { task: task.id, why: 'its hash is known only when it runs' } };
    const entry = await cache.readAhead(hash);
    // An entry of a failed run is corrupt (`checkEntry`): none is read.
    if (!entry) return { hit: false, checked, miss: { task: task.id, why: 'not in the cache' } };
    // A restore can be refused (a folder in the way, a corrupt file): the task would then run here.
    const command = registry.commands.get(task.id)!;
    if (!(await outputsInPlaceFor(engine, { id: task.id, command, root: config.root }, cache, hash, entry))) return { hit: false, checked, miss: { task: task.id, why: 'its outputs are not in place (a restore)' } };
  }
  return { hit: true, checked };
}

/** The plan, the tasks of packages (not the root one) with a file in `changed` first. */
function likeliestMissesFirst({ plan, workspace }: SessionRunOptions, changed: ReadonlySet<string> | undefined): SessionRunOptions['plan'] {
  if (!changed || changed.size === 0) return plan;
  const { config, registry } = workspace;
  const folders = new Map<string, boolean>();
  const touched = (project: string | undefined): boolean => {
    const root = project === undefined ? undefined : registry.projects.get(project)?.root;
    if (root === undefined || root === '.') return false;
    let found = folders.get(root);
    if (found === undefined) {
      const prefix = resolve(config.root, root) + sep;
      found = [...changed].some((path) => path.startsWith(prefix));
      folders.set(root, found);
    }
    return found;
  };
  const first = new Set(plan.filter((task) => touched(registry.commands.get(task.id)?.project)));
  return first.size === 0 ? plan : [...first, ...plan.filter((task) => !first.has(task))];
}
