import { parse as parseYaml } from 'yaml';

/** What each workspace package resolves: dependency name → the versions installed for it (transitively). */
export type Resolutions = Map<string, Map<string, Set<string>>>;

/** Per package folder (`.` for the root): the resolved dependencies that differ, as `lodash 4.17.20 -> 4.17.21`. */
export type LockfileDiff = Map<string, string[]>;

export const LOCKFILES = ['pnpm-lock.yaml', 'package-lock.json'] as const;

/**
 * Which workspace packages a lockfile change touches: for each package folder (a pnpm importer,
 * an npm workspace entry), every package it resolves, directly or through other packages, with
 * its version; a folder is touched when that set differs. Throws when either side does not parse
 * (the caller falls back to "every package").
 */
export function diffLockfile(file: string, before: string | undefined, after: string | undefined): LockfileDiff {
  const resolve = file.endsWith('.json') ? npmResolutions : pnpmResolutions;
  const old = before === undefined ? new Map() : resolve(before);
  const now = after === undefined ? new Map() : resolve(after);
  const diff: LockfileDiff = new Map();
  for (const folder of new Set([...old.keys(), ...now.keys()])) {
    const changes = describeChanges(old.get(folder) ?? new Map(), now.get(folder) ?? new Map());
    if (changes.length > 0) diff.set(folder, changes);
  }
  return diff;
}

function describeChanges(old: Map<string, Set<string>>, now: Map<string, Set<string>>): string[] {
  const changes: string[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = [...(old.get(name) ?? [])].sort().join(', ');
    const b = [...(now.get(name) ?? [])].sort().join(', ');
    if (a !== b) changes.push(`${name} ${a || '(none)'} -> ${b || '(removed)'}`);
  }
  return changes;
}

/** pnpm-lock.yaml (v6 and v9): importers, and packages/snapshots for what they pull in. */
function pnpmResolutions(text: string): Resolutions {
  const lock = parseYaml(text, { maxAliasCount: -1 }) as Record<string, any> | null;
  if (!lock || typeof lock !== 'object' || (!lock.importers && !lock.dependencies && !lock.devDependencies)) throw new Error('no importers or dependencies in it');
  // A single-package lockfile keeps the root's dependencies at the top level.
  const importers: Record<string, any> = lock.importers ?? { '.': lock };
  const graph: Record<string, any> = { ...(lock.packages ?? {}), ...(lock.snapshots ?? {}) };
  const keyOf = (name: string, version: string): string | undefined => {
    const bare = String(version);
    if (bare.startsWith('link:')) return undefined;
    // v9: `name@version(peer)`; v6: `/name@version(peer)`; an alias or a full key: as it is.
    for (const key of [`${name}@${bare}`, `/${name}@${bare}`, bare, `/${bare}`]) if (graph[key] !== undefined) return key;
    return `${name}@${bare}`;
  };
  const resolutions: Resolutions = new Map();
  for (const [folder, importer] of Object.entries(importers)) {
    const found = new Map<string, Set<string>>();
    const seen = new Set<string>();
    const queue: [string, string][] = [];
    for (const section of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      for (const [name, spec] of Object.entries((importer?.[section] ?? {}) as Record<string, any>)) queue.push([name, typeof spec === 'object' && spec !== null ? String(spec.version) : String(spec)]);
    }
    while (queue.length > 0) {
      const [name, version] = queue.pop()!;
      const key = keyOf(name, version);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      if (!found.has(name)) found.set(name, new Set());
      found.get(name)!.add(version.replace(/\(.*$/, ''));
      const entry = graph[key] ?? {};
      for (const section of ['dependencies', 'optionalDependencies']) for (const [dep, v] of Object.entries((entry[section] ?? {}) as Record<string, string>)) queue.push([dep, String(v)]);
    }
    resolutions.set(folder, found);
  }
  return resolutions;
}

/** package-lock.json (v2/v3): `packages` by install path, resolved the way Node looks up node_modules. */
function npmResolutions(text: string): Resolutions {
  const lock = JSON.parse(text) as { packages?: Record<string, any> };
  const packages = lock.packages;
  if (!packages || typeof packages !== 'object') throw new Error('no "packages" in it (lockfileVersion 1 is not supported)');
  const lookup = (from: string, name: string): string | undefined => {
    // From `packages/a` or `node_modules/x/node_modules/y`: each enclosing node_modules, outwards.
    let dir = from;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (dir === '') return undefined;
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut >= 0 ? dir.slice(0, cut) : dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
    }
  };
  const resolutions: Resolutions = new Map();
  const workspaceFolders = Object.keys(packages).filter((path) => !path.includes('node_modules/') && !packages[path]?.link);
  for (const folder of workspaceFolders) {
    const found = new Map<string, Set<string>>();
    const seen = new Set<string>();
    const queue: [string, string][] = [];
    const direct = (entry: any) => Object.keys({ ...(entry?.dependencies ?? {}), ...(entry?.devDependencies ?? {}), ...(entry?.optionalDependencies ?? {}), ...(entry?.peerDependencies ?? {}) });
    for (const name of direct(packages[folder])) queue.push([folder, name]);
    while (queue.length > 0) {
      const [from, name] = queue.pop()!;
      const path = lookup(from, name);
      if (!path || seen.has(path)) continue;
      seen.add(path);
      const entry = packages[path];
      // A link is a workspace package: the project graph covers it.
      if (entry.link) continue;
      if (!found.has(name)) found.set(name, new Set());
      found.get(name)!.add(String(entry.version ?? '?'));
      for (const dep of Object.keys({ ...(entry.dependencies ?? {}), ...(entry.optionalDependencies ?? {}), ...(entry.peerDependencies ?? {}) })) queue.push([path, dep]);
    }
    resolutions.set(folder === '' ? '.' : folder, found);
  }
  return resolutions;
}
