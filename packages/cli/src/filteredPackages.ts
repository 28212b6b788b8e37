import { relative, sep } from 'node:path';
import { isOrchError, OrchError } from '@orch/engine';
import type { OpenWorkspace } from './openWorkspace.js';
import { orchFolders } from './orchFolders.js';
import { inspectModule } from './lazyModules.js';

/**
 * The packages `--filter`/`-F` selects (Turborepo's microsyntax, docs/filtering.md), or
 * undefined when none is given. Folder filters start where orch runs (`cwd`). A `[ref]` asks git
 * and reads the change exactly as `orch affected` does (`changedFiles`, then `computeAffected`'s
 * directly changed projects), so `--filter=...[main]` and `orch affected --base main` agree.
 */
export async function filteredPackages(workspace: OpenWorkspace, filters: readonly string[] | undefined, cwd: string): Promise<Set<string> | undefined> {
  if (!filters || filters.length === 0) return undefined;
  const { config, registry } = workspace;
  const { changedFiles, computeAffected, filterPackages } = await inspectModule();
  const here = relative(config.root, cwd).split(sep).join('/') || '.';
  return filterPackages(filters, {
    registry,
    cwd: here,
    changedSince: async ({ from, to }) => {
      // `[main]` is the worktree against main, as `orch affected`; `[a...b]` is history alone.
      const changes = await changedFiles({ root: config.root, base: from, head: to ?? 'HEAD', exclude: orchFolders(config), committedOnly: to !== undefined }).catch((error: unknown) => {
        throw inFilter(error, `[${from}${to === undefined ? '' : `...${to}`}]`);
      });
      const affected = await computeAffected({ root: config.root, registry, graph: () => workspace.graph().graph, changes, globalInputs: config.globalInputs, ...(config.configFile ? { configFile: config.configFile } : {}) });
      return affected.changed;
    },
  });
}

/** A ref error of `orch affected`'s wording (`--base`), said of the filter's `[ref]`. */
function inFilter(error: unknown, refs: string): unknown {
  if (!isOrchError(error)) return error;
  const hint = error.hint?.replace(/(?:with )?--(?:base|head)(?:=\S+)?/g, 'in the filter, e.g. [main] or [HEAD~1]');
  return new OrchError(error.code, `--filter '${refs}': ${error.message}`, { ...(hint ? { hint } : {}), cause: error });
}
