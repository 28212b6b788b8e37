import { lazyRequire } from '../lazyRequire.js';
import { npmLockfileGraph } from './npmLockfileGraph.js';
import { pnpmLockfileGraph } from './pnpmLockfileGraph.js';

/** The lockfiles orch reads precisely, at the workspace root. */
export const LOCKFILES = ['pnpm-lock.yaml', 'package-lock.json'] as const;
export type LockfileName = (typeof LOCKFILES)[number];

/** Lockfiles orch does not read: a change to one counts for every package, whole. */
export const OTHER_LOCKFILES = ['yarn.lock', 'bun.lock', 'bun.lockb', 'npm-shrinkwrap.json'] as const;

/**
 * What a package folder resolves from the registry, directly or through other packages:
 * package name → version → the integrity the lockfile records for that version (pnpm
 * `resolution.integrity`, npm `integrity`; a tarball URL or git commit when there is no
 * integrity; '' when the lockfile gives none). Workspace packages (links) are not in it: the
 * project graph covers them.
 */
export type ResolvedClosure = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** One installed package as a lockfile names it: `key` is unique within the lockfile. */
export interface LockedPackage {
  key: string;
  name: string;
  version: string;
  integrity: string;
}

/** A lockfile's dependency graph, as each format's reader gives it. */
export interface LockfileGraph {
  /** Package folders with an entry (`.` for the root), relative to the root, `/`-separated. */
  folders: string[];
  /** What a folder depends on directly; undefined when the lockfile has no entry for it. */
  direct(folder: string): LockedPackage[] | undefined;
  /** What an installed package depends on. */
  dependenciesOf(pkg: LockedPackage): LockedPackage[];
}

export interface LockfileClosures {
  readonly file: LockfileName;
  readonly folders: readonly string[];
  /** The closure of a folder (memoised); undefined when the lockfile has no entry for it. */
  closure(folder: string): ResolvedClosure | undefined;
}

const jsYaml = lazyRequire<typeof import('js-yaml')>('js-yaml');

/**
 * Reads a lockfile (pnpm-lock.yaml v6 or v9, package-lock.json v2 or v3) into per-folder
 * closures, each computed on first request. The one reading both `orch affected` (which folders
 * a lockfile change touches) and the task hash (what each package script resolves) use, so the
 * two always agree. Throws when the text does not parse or is not such a lockfile.
 *
 * YAML is parsed with js-yaml: a lockfile is machine-written and can be megabytes, and js-yaml
 * reads it about ten times faster than the `yaml` package orch uses for files people write.
 */
export function readLockfileClosures(file: LockfileName, text: string): LockfileClosures {
  const graph = file === 'package-lock.json' ? npmLockfileGraph(JSON.parse(text)) : pnpmLockfileGraph(jsYaml().load(text, { schema: jsYaml().CORE_SCHEMA }));
  const memo = new Map<string, ResolvedClosure | undefined>();
  return {
    file,
    folders: graph.folders,
    closure(folder) {
      if (!memo.has(folder)) memo.set(folder, walkClosure(graph, folder));
      return memo.get(folder);
    },
  };
}

function walkClosure(graph: LockfileGraph, folder: string): ResolvedClosure | undefined {
  const direct = graph.direct(folder);
  if (!direct) return undefined;
  const closure = new Map<string, Map<string, string>>();
  const seen = new Set<string>();
  const queue = [...direct];
  while (queue.length > 0) {
    const pkg = queue.pop()!;
    if (seen.has(pkg.key)) continue;
    seen.add(pkg.key);
    let versions = closure.get(pkg.name);
    if (!versions) closure.set(pkg.name, (versions = new Map()));
    versions.set(pkg.version, pkg.integrity);
    for (const dependency of graph.dependenciesOf(pkg)) if (!seen.has(dependency.key)) queue.push(dependency);
  }
  return closure;
}
