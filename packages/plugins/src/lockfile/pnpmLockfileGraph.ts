import type { LockedPackage, LockfileGraph } from './lockfileClosures.js';

type Entry = { dependencies?: Record<string, unknown>; optionalDependencies?: Record<string, unknown>; resolution?: Record<string, unknown> };

const IMPORTER_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
const PACKAGE_SECTIONS = ['dependencies', 'optionalDependencies'] as const;

/**
 * The graph of a parsed pnpm-lock.yaml: `importers` (one per workspace folder; a single-package
 * lockfile keeps the root's dependencies at the top level), and the packages they pull in. v9
 * keeps each package's dependencies in `snapshots` (keyed `name@version(peers)`) and its
 * resolution in `packages` (keyed `name@version`); v6 keeps both in `packages`, keyed
 * `/name@version(peers)`. `link:` versions are workspace packages and are left out.
 */
export function pnpmLockfileGraph(parsed: unknown): LockfileGraph {
  const lock = parsed as Record<string, any> | null;
  if (!lock || typeof lock !== 'object' || (!lock.importers && !lock.dependencies && !lock.devDependencies)) throw new Error('no importers or dependencies in it');
  const importers: Record<string, Record<string, any> | null> = lock.importers ?? { '.': lock };
  const packages: Record<string, Entry | null> = lock.packages ?? {};
  const snapshots: Record<string, Entry | null> = lock.snapshots ?? {};
  const known = (key: string) => snapshots[key] !== undefined || packages[key] !== undefined;

  const byKey = new Map<string, LockedPackage>();
  const locked = (name: string, version: unknown): LockedPackage | undefined => {
    const bare = String(typeof version === 'object' && version !== null ? (version as { version?: unknown }).version : version);
    if (bare.startsWith('link:')) return undefined;
    // `name@version`, `/name@version`, or an alias (`string-width@4.2.3`) or full key as written.
    const key = [`${name}@${bare}`, `/${name}@${bare}`, bare, `/${bare}`].find(known) ?? `${name}@${bare}`;
    let found = byKey.get(key);
    if (!found) {
      const resolution = (packages[key] ?? packages[key.replace(/\(.*$/, '')])?.resolution;
      found = { key, name, version: bare.replace(/\(.*$/, ''), integrity: integrityOf(resolution) };
      byKey.set(key, found);
    }
    return found;
  };
  const dependenciesOf = new Map<string, LockedPackage[]>();
  return {
    folders: Object.keys(importers),
    direct(folder) {
      if (!Object.hasOwn(importers, folder)) return undefined;
      const importer = importers[folder] ?? {};
      return IMPORTER_SECTIONS.flatMap((section) => Object.entries((importer[section] ?? {}) as Record<string, unknown>).map(([name, spec]) => locked(name, spec))).filter((p) => p !== undefined);
    },
    dependenciesOf(pkg) {
      let found = dependenciesOf.get(pkg.key);
      if (!found) {
        const entry = snapshots[pkg.key] ?? packages[pkg.key] ?? {};
        found = PACKAGE_SECTIONS.flatMap((section) => Object.entries(entry[section] ?? {}).map(([name, version]) => locked(name, version))).filter((p) => p !== undefined);
        dependenciesOf.set(pkg.key, found);
      }
      return found;
    },
  };
}

/** What identifies a package's content: its integrity, else its tarball or git commit. */
function integrityOf(resolution: Record<string, unknown> | undefined): string {
  if (!resolution) return '';
  for (const field of ['integrity', 'tarball', 'commit', 'directory', 'path']) if (typeof resolution[field] === 'string') return resolution[field];
  return '';
}
