import type { LockedPackage, LockfileGraph } from './lockfileClosures.js';

type Entry = { version?: string; integrity?: string; resolved?: string; link?: boolean; dependencies?: object; devDependencies?: object; optionalDependencies?: object; peerDependencies?: object };

/**
 * The graph of a parsed package-lock.json (lockfileVersion 2 or 3): `packages` by install path
 * (`''` the root, `packages/a` a workspace folder, `node_modules/x/node_modules/y` an installed
 * package), each dependency resolved as Node looks it up: the nearest enclosing `node_modules`,
 * outwards. Links (`link: true`, workspace packages) are left out.
 */
export function npmLockfileGraph(parsed: unknown): LockfileGraph {
  const packages = (parsed as { packages?: Record<string, Entry> } | null)?.packages;
  if (!packages || typeof packages !== 'object') throw new Error('no "packages" in it (lockfileVersion 1 is not supported)');
  const lookup = (from: string, name: string): string | undefined => {
    let dir = from;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (dir === '') return undefined;
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut >= 0 ? dir.slice(0, cut) : dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
    }
  };
  const byPath = new Map<string, LockedPackage | undefined>();
  const locked = (from: string, name: string): LockedPackage | undefined => {
    const path = lookup(from, name);
    if (path === undefined) return undefined;
    if (!byPath.has(path)) {
      const entry = packages[path]!;
      byPath.set(path, entry.link ? undefined : { key: path, name, version: String(entry.version ?? '?'), integrity: entry.integrity ?? entry.resolved ?? '' });
    }
    return byPath.get(path);
  };
  const names = (entry: Entry | undefined, dev: boolean) =>
    Object.keys({ ...(entry?.dependencies ?? {}), ...(dev ? (entry?.devDependencies ?? {}) : {}), ...(entry?.optionalDependencies ?? {}), ...(entry?.peerDependencies ?? {}) });
  const dependenciesOf = new Map<string, LockedPackage[]>();
  return {
    folders: Object.keys(packages)
      .filter((path) => !path.includes('node_modules/') && !packages[path]?.link)
      .map((path) => (path === '' ? '.' : path)),
    direct(folder) {
      const path = folder === '.' ? '' : folder;
      const entry = packages[path];
      if (!entry || entry.link || path.includes('node_modules/')) return undefined;
      return names(entry, true).map((name) => locked(path, name)).filter((p) => p !== undefined);
    },
    dependenciesOf(pkg) {
      let found = dependenciesOf.get(pkg.key);
      if (!found) {
        found = names(packages[pkg.key], false).map((name) => locked(pkg.key, name)).filter((p) => p !== undefined);
        dependenciesOf.set(pkg.key, found);
      }
      return found;
    },
  };
}
