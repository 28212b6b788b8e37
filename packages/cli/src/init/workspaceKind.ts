import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How the repository at `root` declares its packages, as `orch init` reports it: the file the
 * workspace globs come from (pnpm's `pnpm-workspace.yaml` wins over package.json, as discovery
 * reads them), `single package` for a lone package.json, or undefined for neither.
 */
export function workspaceKind(root: string): string | undefined {
  if (existsSync(join(root, 'pnpm-workspace.yaml'))) return 'pnpm-workspace.yaml';
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: unknown } | null;
    return manifest?.workspaces ? 'package.json workspaces' : 'single package';
  } catch {
    return undefined;
  }
}
