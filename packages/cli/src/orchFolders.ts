import { relative, resolve, sep } from 'node:path';
import type { ResolvedConfig } from '@orch/engine';

/**
 * orch's own folders (state and cache), relative to the root and `/`-separated: never part of a
 * change, for `orch affected` and `--filter=[ref]` alike.
 */
export function orchFolders(config: ResolvedConfig): string[] {
  return [config.stateDir, config.cache.dir].map((dir) => relative(config.root, resolve(config.root, dir)).split(sep).join('/'));
}
