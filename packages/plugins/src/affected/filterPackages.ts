import { posix } from 'node:path';
import picomatch from 'picomatch';
import { didYouMean, listNames, OrchError, type CommandRegistry, type Project } from '@orch/engine';
import { parseSelector, type PackageSelector } from './packageSelector.js';

export interface FilterPackagesOptions {
  registry: Pick<CommandRegistry, 'projects'>;
  /** Where orch runs, relative to the workspace root, `/`-separated (`.` at the root): folder filters start there. */
  cwd: string;
  /**
   * The packages whose files changed in `since` (not their dependents), as `orch affected`
   * finds them: the merge-base of `from` with `to`, or with HEAD and the worktree.
   */
  changedSince(since: NonNullable<PackageSelector['since']>): Promise<ReadonlySet<string>>;
}

/**
 * The packages `--filter` values select, as Turborepo resolves them (`filter.rs`): the union of
 * what every filter without `!` selects (every package when there is none), less what every `!`
 * filter selects. A filter by name or folder that matches no package is a usage error with the
 * closest names; a filter by change (`[main]`) may select nothing, which is an answer.
 */
export async function filterPackages(filters: readonly string[], options: FilterPackagesOptions): Promise<Set<string>> {
  const selectors = filters.map(parseSelector);
  const graph = packageGraph([...options.registry.projects.values()]);
  const select = async (chosen: PackageSelector[]): Promise<Set<string>> => {
    const selected = new Set<string>();
    for (const selector of chosen) for (const name of expand(selector, await matched(selector, graph, options), graph)) selected.add(name);
    return selected;
  };
  const includes = selectors.filter((s) => !s.exclude);
  const included = includes.length > 0 ? await select(includes) : new Set(graph.projects.keys());
  const excluded = await select(selectors.filter((s) => s.exclude));
  return new Set([...included].filter((name) => !excluded.has(name)));
}

interface PackageGraph {
  projects: ReadonlyMap<string, Project>;
  dependencies: (name: string) => Set<string>;
  dependents: (name: string) => Set<string>;
}

/** The workspace's packages with their transitive dependencies and dependents. */
function packageGraph(projects: readonly Project[]): PackageGraph {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const reverse = new Map<string, string[]>();
  for (const p of projects) for (const dep of p.dependencies) reverse.set(dep, [...(reverse.get(dep) ?? []), p.name]);
  const walk = (start: string, next: (name: string) => readonly string[]): Set<string> => {
    const found = new Set<string>();
    const stack = [...next(start)];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (found.has(name) || !byName.has(name)) continue;
      found.add(name);
      stack.push(...next(name));
    }
    found.delete(start);
    return found;
  };
  return {
    projects: byName,
    dependencies: (name) => walk(name, (n) => byName.get(n)?.dependencies ?? []),
    dependents: (name) => walk(name, (n) => reverse.get(n) ?? []),
  };
}

/** The packages a selector names, before `...` widens them. */
async function matched(selector: PackageSelector, graph: PackageGraph, options: FilterPackagesOptions): Promise<string[]> {
  let candidates = [...graph.projects.values()];
  if (selector.directory !== undefined) candidates = byFolder(selector, candidates, options.cwd);
  if (selector.name !== undefined) candidates = byName(selector, candidates);
  if (selector.since) {
    const changed = await options.changedSince(selector.since);
    candidates = candidates.filter((p) =>
      selector.changedInDependencies ? (!selector.excludeSelf && changed.has(p.name)) || [...graph.dependencies(p.name)].some((d) => changed.has(d)) : changed.has(p.name),
    );
  }
  return candidates.map((p) => p.name);
}

function byFolder(selector: PackageSelector, projects: Project[], cwd: string): Project[] {
  const folder = posix.normalize(posix.join(cwd, selector.directory!.replaceAll('\\', '/'))).replace(/\/+$/, '') || '.';
  if (folder === '..' || folder.startsWith('../')) {
    throw new OrchError('usage', `--filter '${selector.raw}': '${folder}' is outside the workspace`, { hint: 'a folder filter is relative to where orch runs and stays inside the workspace, e.g. ./packages/*' });
  }
  const test = picomatch(folder, { dot: true });
  const found = projects.filter((p) => test(p.root));
  if (found.length === 0 && selector.since === undefined) {
    const roots = projects.map((p) => p.root).filter((root) => root !== '.');
    throw new OrchError('usage', `--filter '${selector.raw}': no package is in '${folder}'`, { hint: didYouMean(folder, roots) ?? `the package folders: ${listNames(roots)} (relative to the workspace root; ./ starts where orch runs)` });
  }
  return found;
}

/**
 * By name glob, as Turborepo's `SimpleGlob` (simple_glob.rs): `*` stands for any run of
 * characters, `/` included, so `*` is every package and `@acme/*`, `*-ui` reach into scopes; every
 * other character is itself. `web` also finds the one scoped package named `web` (`@acme/web`).
 */
function byName(selector: PackageSelector, projects: Project[]): Project[] {
  const pattern = selector.name!;
  const found = projects.filter((p) => nameGlob(pattern).test(p.name));
  if (found.length > 0) return found;
  if (!pattern.startsWith('@')) {
    const bare = nameGlob(pattern);
    const scoped = projects.filter((p) => p.name.startsWith('@') && bare.test(p.name.slice(p.name.indexOf('/') + 1)));
    if (scoped.length === 1) return scoped;
  }
  if (selector.since !== undefined || selector.directory !== undefined) return [];
  const names = projects.map((p) => p.name);
  throw new OrchError('usage', `--filter '${selector.raw}': no package is named '${pattern}'`, { hint: didYouMean(pattern, names) ?? `the packages: ${listNames(names)}` });
}

/** `*` as any run of characters, everything else literal. */
function nameGlob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** A selector's packages with what `...` adds, less the package itself with `^`. */
function expand(selector: PackageSelector, names: readonly string[], graph: PackageGraph): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    if (selector.withDependencies) for (const dep of graph.dependencies(name)) out.add(dep);
    if (selector.withDependents) {
      for (const dependent of graph.dependents(name)) {
        out.add(dependent);
        if (selector.withDependencies) for (const dep of graph.dependencies(dependent)) out.add(dep);
      }
    }
    if (!(selector.excludeSelf && (selector.withDependencies || selector.withDependents))) out.add(name);
  }
  return out;
}
