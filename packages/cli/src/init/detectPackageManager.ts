import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface DetectedPackageManager {
  name: PackageManagerName;
  /** What said so: `packageManager: pnpm@10.34.9`, `yarn.lock`, or `default` when nothing did. */
  source: string;
}

/** Lockfiles in the order their managers are checked (Turborepo and `ni` check them this way). */
const LOCKFILES: readonly (readonly [string, PackageManagerName])[] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/**
 * The package manager of the repository at `root`: package.json's `packageManager` field
 * (Corepack's, `pnpm@10.34.9`) first, then the lockfile, else npm.
 */
export function detectPackageManager(root: string): DetectedPackageManager {
  const field = packageManagerField(root);
  const named = field?.split('@')[0];
  if (field && isPackageManager(named)) return { name: named, source: `packageManager: ${field}` };
  const lockfile = LOCKFILES.find(([file]) => existsSync(join(root, file)));
  return lockfile ? { name: lockfile[1], source: lockfile[0] } : { name: 'npm', source: 'default' };
}

/** How a dev dependency's binary is run with this manager: `npx orch`, `pnpm exec orch`... */
export function execCommand(manager: PackageManagerName, bin: string): string {
  switch (manager) {
    case 'npm':
      return `npx ${bin}`;
    case 'pnpm':
      return `pnpm exec ${bin}`;
    case 'yarn':
      return `yarn ${bin}`;
    case 'bun':
      return `bunx ${bin}`;
  }
}

function isPackageManager(name: string | undefined): name is PackageManagerName {
  return name === 'npm' || name === 'pnpm' || name === 'yarn' || name === 'bun';
}

function packageManagerField(root: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager?: unknown } | null;
    return typeof manifest?.packageManager === 'string' ? manifest.packageManager : undefined;
  } catch {
    // No package.json, or one that does not parse (discovery reports it): fall back to lockfiles.
    return undefined;
  }
}
