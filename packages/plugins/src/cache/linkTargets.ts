import { readlink, realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Where a symbolic link leads, once every link on the way is followed: a file or folder of the
 * workspace (`path` relative to the root, '' for the root itself), somewhere outside it (`path`
 * absolute), or nowhere (`missing`: the target does not exist; `path` is where it would be,
 * relative to the root when that is inside the workspace, else absolute).
 */
export type LinkTarget = { kind: 'inside'; path: string } | { kind: 'outside'; path: string } | { kind: 'missing'; path: string };

/**
 * The targets of symbolic links (paths relative to `root`), for hashing what a task reads
 * through them (docs/caching.md#symbolic-links-among-inputs) and for `orch affected`, which
 * counts a change to a target for the package whose link leads to it.
 */
export async function linkTargets(root: string, links: Iterable<string>): Promise<Map<string, LinkTarget>> {
  const found = new Map<string, LinkTarget>();
  const list = [...links];
  if (list.length === 0) return found;
  const realRoot = await realpath(root).catch(() => resolve(root));
  await Promise.all(
    list.map(async (link) => {
      const absolute = join(root, link);
      const target = await realpath(absolute).catch(() => undefined);
      if (target === undefined) {
        const text = await readlink(absolute).catch(() => undefined);
        const intended = resolve(dirname(absolute), text ?? '.');
        found.set(link, { kind: 'missing', path: within(resolve(root), intended) ?? intended });
        return;
      }
      const inside = within(realRoot, target);
      found.set(link, inside === undefined ? { kind: 'outside', path: target } : { kind: 'inside', path: inside });
    }),
  );
  return found;
}

/** `path` relative to `root` (`/`-separated), or undefined when it is not inside it. */
function within(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(root, rel) !== path) return undefined;
  return rel.split(sep).join('/');
}
