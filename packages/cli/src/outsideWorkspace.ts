import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OrchError, type ResolvedConfig } from '@orch/engine';

/** What makes a folder a place orch can work in, besides a config file. */
const ROOT_MARKERS = ['.git', 'package.json', 'pnpm-workspace.yaml', '.claude'] as const;

/**
 * `OrchError('config-not-found')` (exit 2) when orch was started outside any repository or
 * workspace: no config was found and the root it fell back to (the nearest folder with `.git`
 * or a workspace marker, else the working directory: `defaultRoot`) holds none of
 * `ROOT_MARKERS`. Every command but `init` would otherwise answer "no commands found" or
 * "unknown command" about a folder that was never meant to be orch's (issue 15, part 6).
 */
export function outsideWorkspaceError(config: ResolvedConfig): OrchError | undefined {
  if (config.configFile || ROOT_MARKERS.some((marker) => existsSync(join(config.root, marker)))) return undefined;
  return new OrchError('config-not-found', `not inside a repository or workspace: no orchestrator config, .git, package.json, pnpm-workspace.yaml or .claude folder in ${config.root} or above it`, {
    hint: 'cd into your repository, or run `orch init` here to start one',
  });
}
