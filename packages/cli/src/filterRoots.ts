import { listNames, OrchError } from '@orch/engine';
import type { CliIO } from './CliCommand.js';
import { filteredPackages } from './filteredPackages.js';
import type { OpenWorkspace } from './openWorkspace.js';
import { packageFolder } from './packageFolder.js';
import { inspectModule } from './lazyModules.js';

/**
 * What narrowed the named tasks: nothing, a selection (`--filter`, `--projects`/`--exclude`, or
 * the package folder orch runs in), or a `--filter=[ref]` under which nothing changed.
 */
export type RootSelection = 'all' | 'narrowed' | 'nothing-changed';

/**
 * Drops the named tasks that `--filter`, `--projects`/`--exclude` leave out; without any of
 * them, from inside a package's folder, a bare target (`build`, not `api#build`) runs for that
 * package alone, with a line saying so (Turborepo 2's package inference). A filter that leaves
 * no task is a usage error, unless it selects by change and nothing changed.
 */
export async function filterRoots(workspace: OpenWorkspace, roots: Map<string, string>, values: Record<string, unknown>, io: CliIO): Promise<RootSelection> {
  const { registry } = workspace;
  const filters = values.filter as string[] | undefined;
  const packages = await filteredPackages(workspace, filters, io.cwd);
  const { projectFilter } = await inspectModule();
  const keep = projectFilter(registry, { projects: values.projects as string[] | undefined, exclude: values.exclude as string[] | undefined });
  const folder = !packages && !keep ? packageFolder(workspace, io.cwd) : undefined;
  if (!packages && !keep && !folder) return 'all';

  const named = [...roots];
  const bare = (id: string, name: string) => registry.commands.get(id)?.kind === 'script' && !name.includes('#');
  for (const [id, name] of named) {
    const project = registry.commands.get(id)?.project;
    const kept = (keep?.keepTask(id) ?? true) && (project === undefined || (packages?.has(project) ?? true)) && (!folder || !bare(id, name) || project === folder.name);
    if (!kept) roots.delete(id);
  }
  if (folder) return scopedToFolder(workspace, folder.name, folder.root, named, roots, bare, io);
  if (roots.size > 0) return 'narrowed';
  // A filter by change that finds nothing changed is an answer; `!` filters alone are not by change.
  const includes = (filters ?? []).filter((f) => !f.trim().startsWith('!'));
  if (packages && includes.length > 0 && includes.every((f) => f.includes('['))) return 'nothing-changed';
  const given = [...(filters ?? []).map((f) => `--filter=${f}`), ...(keep ? ['--projects/--exclude'] : [])];
  const selected = packages ? `: they select ${packages.size === 0 ? 'no package' : listNames(packages)}` : '';
  const tasks = `${named.length} task${named.length === 1 ? '' : 's'}`;
  throw new OrchError('usage', `${given.join(' ')} ${given.length === 1 ? 'leaves' : 'together leave'} none of the ${tasks} named${selected}`, {
    hint: emptySelectionHint(filters ?? [], packages, named, registry),
  });
}

/** Why a selection left no task, for the hint: the cause, not a guess. */
function emptySelectionHint(filters: readonly string[], packages: ReadonlySet<string> | undefined, named: [string, string][], registry: OpenWorkspace['registry']): string {
  const help = 'a filter is a name, a folder (./packages/*) or a change ([main]), see docs/filtering.md';
  if (packages?.size === 0) {
    const excluding = filters.some((f) => f.trim().startsWith('!'));
    return excluding
      ? `the '!' filters exclude every package the others select (with only '!' filters, every package); ${help}`
      : `no package matches every part of those filters; \`orch list\` shows the packages; ${help}`;
  }
  if (packages && !named.some(([id]) => packages.has(registry.commands.get(id)?.project ?? ''))) {
    return `none of those packages has ${[...new Set(named.map(([, name]) => `'${name}'`))].join(' or ')}; \`orch list\` shows each package's tasks; ${help}`;
  }
  return '--projects/--exclude leave out every task the rest selects; a pattern is a glob on a project name or folder, or tag:<tag> (package.json#orch.tags)';
}

/** The line that says a bare target was scoped to the package folder, or the error when that package lacks it. */
function scopedToFolder(workspace: OpenWorkspace, pkg: string, root: string, named: [string, string][], roots: Map<string, string>, bare: (id: string, name: string) => boolean, io: CliIO): RootSelection {
  const targets = [...new Set(named.filter(([id, name]) => bare(id, name)).map(([, name]) => name))];
  if (targets.length === 0) return 'all';
  const missing = targets.filter((target) => ![...roots.values()].includes(target));
  if (missing.length > 0) {
    const having = named.filter(([, name]) => name === missing[0]).map(([id]) => workspace.registry.commands.get(id)!.project!);
    throw new OrchError('usage', `${missing.map((t) => `'${t}'`).join(', ')}: orch runs in ${root}, the folder of package '${pkg}', which has no such script, so nothing is run`, {
      hint: `run it from the workspace root for every package that has it, or choose them with --filter (e.g. --filter=${having[0]}); packages with '${missing[0]}': ${listNames(having, 5)}`,
    });
  }
  io.stderr(`orch: in ${root}, so ${targets.map((t) => `'${t}'`).join(', ')} run${targets.length === 1 ? 's' : ''} for ${pkg} only (from the root, or with --filter, for other packages)\n`);
  return 'narrowed';
}
