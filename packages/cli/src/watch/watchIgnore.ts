import { isAbsolute, relative, resolve, sep } from 'node:path';
import { OutputMatcher, taskFolder } from '@orch/plugins';
import type { OpenWorkspace } from '../openWorkspace.js';

/** Folders no change in which re-runs anything, wherever they are: git's, and installed packages. */
const NEVER_WATCHED = new Set(['.git', 'node_modules']);

/**
 * The files `orch watch` ignores, as a test on an absolute path: `.git` and `node_modules`
 * folders, orch's state folder and cache, everything outside the root, and every task's
 * declared `outputs` (relative to its folder, as the cache reads them), so a build writing
 * `dist/` does not set off another cycle of itself (issue 15, part 7).
 */
export function watchIgnore(workspace: OpenWorkspace): (path: string) => boolean {
  const { config, registry } = workspace;
  const root = config.root;
  const own = [config.stateDir, config.cache.dir].map((dir) => relative(root, resolve(root, dir)).split(sep).join('/')).filter((dir) => dir !== '' && !dir.startsWith('..'));
  const outputs = new Map<string, string[]>();
  for (const command of registry.commands.values()) {
    const globs = command.metadata.outputs ?? [];
    if (globs.length === 0) continue;
    const folder = relative(root, taskFolder({ command, root })).split(sep).join('/');
    outputs.set(folder, [...(outputs.get(folder) ?? []), ...globs]);
  }
  const matchers = [...outputs].map(([folder, globs]) => ({ prefix: folder === '' ? '' : `${folder}/`, matcher: new OutputMatcher(globs) }));
  return (path) => {
    const rel = relative(root, path);
    if (rel === '') return false;
    if (rel.startsWith('..') || isAbsolute(rel)) return true;
    const posix = rel.split(sep).join('/');
    if (posix.split('/').some((part) => NEVER_WATCHED.has(part))) return true;
    if (own.some((dir) => posix === dir || posix.startsWith(`${dir}/`))) return true;
    return matchers.some(({ prefix, matcher }) => posix.startsWith(prefix) && matcher.matches(posix.slice(prefix.length)));
  };
}
