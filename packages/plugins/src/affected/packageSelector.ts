import { OrchError } from '@orch/engine';

/**
 * One `--filter` value, parsed: Turborepo's filter microsyntax
 * (https://turborepo.com/docs/reference/run#--filter-string, its `target_selector.rs`).
 *
 * - `web`, `@acme/*`: packages by name (a glob; `web` also finds `@acme/web` when it is the one scoped `web`);
 * - `./packages/*`, `{packages/ui}`: packages by folder (a glob, relative to where orch runs);
 * - `[main]`, `[a...b]`: packages with files changed since a ref (the merge-base, as `orch affected`);
 * - `web...` adds its dependencies, `...web` its dependents, `^` leaves the package itself out
 *   (`web^...`, `...^web`); `web...[main]`: web if it or a dependency of it changed;
 * - `!` in front: leave these out, after every other filter is applied.
 */
export interface PackageSelector {
  /** The filter as given, for messages. */
  raw: string;
  exclude: boolean;
  /** `web...`: with the packages it depends on, transitively. */
  withDependencies: boolean;
  /** `...web`: with the packages that depend on it, transitively. */
  withDependents: boolean;
  /** `^`: the dependencies or dependents only, not the matched package. */
  excludeSelf: boolean;
  /** `web...[main]`: matched when the package or one of its dependencies changed. */
  changedInDependencies: boolean;
  /** Name glob, or undefined. */
  name?: string;
  /** Folder glob relative to where orch runs (`./packages/*`), or undefined. */
  directory?: string;
  /** `[from]` or `[from...to]`: changes between the merge-base of from and to (default HEAD, with the worktree). */
  since?: { from: string; to?: string };
}

const SHAPE = /^(?<name>[^.{[](?:[^{}[\]]*[^{}[\].])?)?(?:\{(?<directory>[^}]*)\})?(?<commits>(?:\.\.\.)?\[[^\]]*\])?$/;
const EXAMPLES = 'e.g. web, @acme/*, ./packages/*, web..., ...web, ...^web, !web, [main], ...[origin/main], web...[HEAD~1]';

/**
 * Parses one filter. Throws a usage `OrchError` saying what is wrong and what would be valid for
 * an empty filter, an empty `{}` or `[]`, `...[ref]` with no package before it, or text left over.
 */
export function parseSelector(raw: string): PackageSelector {
  const fail = (why: string): never => {
    throw new OrchError('usage', `--filter '${raw}': ${why}`, { hint: `a filter names packages by name, folder or change: ${EXAMPLES}` });
  };
  let rest = raw.trim();
  const exclude = rest.startsWith('!');
  if (exclude) rest = rest.slice(1);
  let withDependencies = false;
  let withDependents = false;
  let excludeSelf = false;
  if (rest.endsWith('...')) {
    withDependencies = true;
    rest = rest.slice(0, -3);
    if (rest.endsWith('^')) [excludeSelf, rest] = [true, rest.slice(0, -1)];
  }
  if (rest.startsWith('...')) {
    withDependents = true;
    rest = rest.slice(3);
    if (rest.startsWith('^')) [excludeSelf, rest] = [true, rest.slice(1)];
  }
  const base = { raw, exclude, withDependencies, withDependents, excludeSelf, changedInDependencies: false };
  if (rest === '') return fail('it names no package: give a name, a folder or a [ref]');
  if (isPath(rest)) return { ...base, directory: rest };
  const match = SHAPE.exec(rest);
  if (!match?.groups) {
    if (rest.includes('[') || rest.includes('{')) return fail(`'${rest}' is not <name>{<folder>}[<ref>]`);
    return { ...base, name: rest };
  }
  const { name, directory, commits } = match.groups;
  if (directory !== undefined && directory.trim() === '') return fail('{} names no folder');
  let since: PackageSelector['since'];
  let changedInDependencies = false;
  if (commits !== undefined) {
    changedInDependencies = commits.startsWith('...');
    const inner = commits.slice(changedInDependencies ? 4 : 1, -1).trim();
    if (inner === '') return fail('[] names no ref: write a branch, tag or commit, e.g. [main] or [HEAD~1]');
    if (changedInDependencies && name === undefined && directory === undefined) return fail(`'...[${inner}]' needs a package before it (web...[${inner}]); for the changed packages and their dependents write ...[${inner}]`);
    const range = inner.indexOf('...');
    since = range < 0 ? { from: inner } : { from: inner.slice(0, range), to: inner.slice(range + 3) };
    if (since.from === '' || since.to === '') return fail(`'[${inner}]' is not [<from>] or [<from>...<to>]`);
  }
  if (name === undefined && directory === undefined && since === undefined) return fail('it names no package: give a name, a folder or a [ref]');
  return { ...base, changedInDependencies, ...(name === undefined ? {} : { name }), ...(directory === undefined ? {} : { directory }), ...(since ? { since } : {}) };
}

/** `.`, `..`, `./x`, `../x`: a folder, as Turborepo reads them (`is_selector_by_location`). */
function isPath(text: string): boolean {
  return text === '.' || text === '..' || /^\.\.?[/\\]/.test(text);
}
