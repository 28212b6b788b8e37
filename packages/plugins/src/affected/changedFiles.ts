import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { didYouMean, OrchError } from '@orch/engine';
import { contentId, hashFilesHere } from '../cache/gitBlobHash.js';
import { askGit } from './askGit.js';

/** A file the change touches, relative to the workspace root, `/`-separated. */
export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  /** For a rename: the old path (it counts as changed too). */
  from?: string;
  /** Where the change is: committed between base and head, or in the worktree. */
  where: 'committed' | 'uncommitted' | 'untracked' | 'given';
}

export interface ChangeSet {
  files: ChangedFile[];
  /** The refs as given and the merge-base the diff starts from; absent with `--files`. */
  base?: string;
  head?: string;
  mergeBase?: string;
  /** A file's content before the change (at the merge-base); undefined when it did not exist. */
  before(path: string): Promise<string | undefined>;
  /** A file's content after the change (the worktree, or `head` with `committedOnly`). */
  after(path: string): Promise<string | undefined>;
  /** The symbolic links git's index tracks (relative to the root), when git was asked. */
  links?: ReadonlySet<string>;
}

export interface ChangedFilesOptions {
  /** The workspace root (may be below the repository's top level). */
  root: string;
  base: string;
  head: string;
  /** Leave out uncommitted and untracked files. */
  committedOnly?: boolean;
  /** Explicit files instead of git (relative to the root). */
  files?: readonly string[];
  /** Folders that are never part of a change (orch's state folder and cache), relative to the root. */
  exclude?: readonly string[];
}

/**
 * The files a change touches: the diff from the merge-base of `base` and `head` to `head`, with
 * renames (both paths) and deletions, plus uncommitted and untracked files unless
 * `committedOnly`; or the given files. A base or head that does not exist, or history a shallow
 * clone lacks, is an error that says how to fetch it: never a silent "everything".
 */
export async function changedFiles(options: ChangedFilesOptions): Promise<ChangeSet> {
  const { root } = options;
  const worktree = (path: string) => readFile(join(root, path), 'utf8').catch(() => undefined);
  if (options.files) {
    const files = options.files.map((path): ChangedFile => ({ path: normalise(path), status: existsSync(join(root, path)) ? 'modified' : 'deleted', where: 'given' }));
    return { files, before: async () => undefined, after: worktree };
  }

  // No ref begins with '-' (git check-ref-format): such a base (`--base=--all`) would reach git
  // as an option, so it is refused as the ref it is not (findings R2 #17).
  for (const [role, ref] of [['base', options.base], ['head', options.head]] as const) {
    if (ref.startsWith('-')) throw new OrchError('usage', `the ${role} '${ref}' does not exist in this repository: no branch, tag or commit name begins with '-'`, { hint: `name a branch, tag or commit with --${role} (e.g. --${role}=main)` });
  }
  // Pathspecs: the workspace, without orch's own folders (git never even lists what is in them).
  const exclude = (options.exclude ?? []).filter((dir) => !dir.startsWith('..'));
  const paths = ['--', '.', ...exclude.map((dir) => `:(exclude)${dir}`)];
  // What the worktree changed needs no ref: asked at once, beside the refs. The index is listed
  // once, for the files git does not look at and the tracked links (`linkedChanges`).
  const index = indexListing(root, exclude);
  const worktreeChanges = Promise.all([
    // Against HEAD's commit: a commit or checkout (refs) changes it as much as an edit does.
    // On a scratch copy of the index: git's diff writes back the index it refreshed (`askGit`).
    options.committedOnly ? '' : askGit(root, ['diff', '--name-status', '-z', '-M', '--relative', 'HEAD', ...paths], ['refs', 'work tree'], { scratchIndex: true }),
    options.committedOnly ? '' : askGit(root, ['ls-files', '--others', '--exclude-standard', '-z', ...paths], ['work tree']),
    options.committedOnly ? [] : index.then(({ unwatched }) => editedUnwatched(root, unwatched)),
  ]);
  worktreeChanges.catch(() => undefined);
  // One git call checks both refs and finds their merge-base (`A...B` lists it as `^<commit>`);
  // only when it fails is the cause looked for (the slow path).
  const [baseRef, headRef] = [`${options.base}^{commit}`, `${options.head}^{commit}`];
  const resolved = await askGit(root, ['rev-parse', '--is-shallow-repository', baseRef, headRef, `${baseRef}...${headRef}`], namesOnlyRefs(options.base, options.head) ? ['refs'] : undefined).then(
    (out) => out.trim().split('\n'),
    () => undefined,
  );
  const shallow = resolved ? resolved[0] === 'true' : false;
  const [base, head] = resolved ? [resolved[1]!, resolved[2]!] : await diagnoseRefs(root, options);
  const mergeBase = resolved ? resolved.slice(3).find((line) => line.startsWith('^'))?.slice(1) : await askGit(root, ['merge-base', base, head]).then((out) => out.trim(), () => undefined);
  // --relative: paths relative to (and limited to) the workspace root, when it is a subfolder.
  // From the merge-base's commit to the head's: a function of the two ids, kept for good.
  const committed = mergeBase ? await askGit(root, ['diff', '--name-status', '-z', '-M', '--relative', mergeBase, head, ...paths], []).catch(() => undefined) : undefined;
  if (!mergeBase || committed === undefined) {
    throw new OrchError('usage', `'${options.base}' and '${options.head}' have no common ancestor${shallow ? ' in this shallow clone' : ''}, so orch cannot tell what changed`, {
      hint: shallow ? 'fetch the history: `git fetch --unshallow` (or `fetch-depth: 0` with actions/checkout)' : 'use a base on the same history as the head',
    });
  }
  const [uncommitted, untracked, unwatched] = await worktreeChanges;
  const files = new Map<string, ChangedFile>();
  const add = (file: ChangedFile): void => {
    if (!files.has(file.path)) files.set(file.path, file);
  };
  for (const file of parseNameStatus(committed, 'committed')) add(file);
  for (const file of parseNameStatus(uncommitted, 'uncommitted')) add(file);
  for (const path of untracked.split('\0').filter(Boolean)) add({ path, status: 'added', where: 'untracked' });
  for (const path of unwatched) add({ path, status: 'modified', where: 'uncommitted' });
  // A file in a commit: immutable, kept for good.
  const show = (rev: string) => (path: string) => askGit(root, ['show', `${rev}:./${path}`], []).catch(() => undefined);
  return {
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    base: options.base,
    head: options.head,
    mergeBase,
    before: show(mergeBase),
    after: options.committedOnly ? show(head) : worktree,
    links: (await index).links,
  };
}

/** Why the refs did not resolve: not a repository, or which ref is missing and how to get it. */
async function diagnoseRefs(root: string, options: ChangedFilesOptions): Promise<[string, string]> {
  const inRepo = await askGit(root, ['rev-parse', '--is-inside-work-tree', '--is-shallow-repository']).then((out) => out.trim(), () => undefined);
  if (!inRepo) throw new OrchError('usage', `${root} is not in a git repository, so orch cannot tell what changed`, { hint: 'name the changed files with --files a,b' });
  const shallow = inRepo.split('\n')[1] === 'true';
  return [await commitOf(root, options.base, 'base', shallow), await commitOf(root, options.head, 'head', shallow)];
}

/** The commit a ref names, or an error that says how to get it. */
async function commitOf(root: string, ref: string, role: 'base' | 'head', shallow: boolean): Promise<string> {
  const found = await askGit(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then((out) => out.trim(), () => undefined);
  if (found) return found;
  const ancestry = /^(.+?)((?:[~^]\d*)+)$/.exec(ref);
  const start = ancestry ? await askGit(root, ['rev-parse', '--verify', '--quiet', `${ancestry[1]}^{commit}`]).then((out) => out.trim(), () => undefined) : undefined;
  if (ancestry && start) {
    // `HEAD~2`: the ref exists, the history behind it does not (here).
    const back = [...ancestry[2]!.matchAll(/[~^](\d*)/g)].reduce((sum, [step, n]) => sum + (step.startsWith('~') ? Number(n || 1) : 1), 0);
    const have = Number(await askGit(root, ['rev-list', '--count', start]).catch(() => '1')) - 1;
    throw new OrchError('usage', `the ${role} '${ref}' does not exist in this repository${shallow ? ' (a shallow clone)' : ''}: ${ancestry[1]} has ${have} commit${have === 1 ? '' : 's'} before it here`, {
      hint: shallow
        ? `fetch ${back - have} more commit${back - have === 1 ? '' : 's'} of history: \`git fetch --deepen=${back - have}\` (or all of it: \`git fetch --unshallow\`; \`fetch-depth: 0\` with actions/checkout)`
        : `name a commit that exists with --${role} (at most ${ancestry[1]}~${have})`,
    });
  }
  const refs = (await askGit(root, ['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/remotes', 'refs/tags']).catch(() => '')).split('\n').filter(Boolean);
  const close = didYouMean(ref, refs);
  throw new OrchError('usage', `the ${role} '${ref}' does not exist in this repository${shallow ? ' (a shallow clone)' : ''}`, {
    hint: close ? `${close} otherwise ${fetchHint(ref, shallow)}` : `${fetchHint(ref, shallow)}; or name another with --${role}`,
  });
}

/** A git command that fetches a ref that is not here: a branch (`main`, `origin/main`), or a commit id. */
function fetchHint(ref: string, shallow: boolean): string {
  const unshallow = shallow ? ' --unshallow' : '';
  const checkout = shallow ? ' (or `fetch-depth: 0` with actions/checkout)' : '';
  if (/^[0-9a-f]{7,64}$/i.test(ref)) return `fetch the commit: \`git fetch${unshallow} origin ${ref}\`${checkout}`;
  const remote = ref.includes('/') ? ref.split('/')[0] : 'origin';
  const branch = ref.includes('/') ? ref.split('/').slice(1).join('/') : ref;
  const destination = ref.includes('/') ? `refs/remotes/${ref}` : branch;
  return `${shallow ? 'this is a shallow clone: fetch the branch and its history' : 'fetch it'}, e.g. \`git fetch${unshallow} ${remote} ${branch}:${destination}\`${checkout}`;
}

/**
 * Git's index under the root, without orch's folders (`git ls-files -s -v`): the files git does
 * not look at (skip-worktree, `S`, and assume-unchanged, a lower-case tag) with the content id
 * the index records, and the tracked symbolic links (mode 120000). Empty outside git.
 */
async function indexListing(root: string, exclude: readonly string[]): Promise<{ unwatched: [string, string][]; links: Set<string> }> {
  const listed = await askGit(root, ['ls-files', '-s', '-v', '-z', '--', '.'], ['work tree']).catch(() => '');
  const unwatched: [string, string][] = [];
  const links = new Set<string>();
  const excluded = (path: string) => exclude.some((dir) => path === dir || path.startsWith(`${dir}/`));
  for (const entry of listed.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [tag, mode, blob] = entry.slice(0, tab).split(' ');
    const path = entry.slice(tab + 1);
    if (excluded(path)) continue;
    if (mode === '120000') links.add(path);
    if (mode !== '160000' && (tag === 'S' || /^[a-z]$/.test(tag!))) unwatched.push([path, contentId(mode!, blob!)]);
  }
  return { unwatched, links };
}

/**
 * Skip-worktree and assume-unchanged files (path, content id in the index) whose content differs
 * from the index: `git diff` does not look at them, the task hash reads them (RepositoryFiles),
 * so `affected` compares them too (FINDINGS-R2 #1).
 */
async function editedUnwatched(root: string, flagged: readonly [string, string][]): Promise<string[]> {
  if (flagged.length === 0) return [];
  const now = await hashFilesHere(flagged.map(([path]) => join(root, path)));
  // A file a sparse checkout left out is not there: not a change.
  return flagged.filter(([, id], index) => now[index] !== undefined && now[index] !== id).map(([path]) => path);
}

/**
 * Whether what `base` and `head` name depends on the refs alone (and the objects they lead to),
 * so git's answer can be kept while the refs do not change: not a reflog entry (`main@{1}`,
 * `@{yesterday}`, `@{upstream}`), not an abbreviated commit id (another object with the same
 * prefix, fetched later, makes it ambiguous).
 */
function namesOnlyRefs(...refs: string[]): boolean {
  return refs.every((ref) => !ref.includes('@{') && !/^[0-9a-f]{4,39}$/i.test(ref));
}

/** `git diff --name-status -z` output: status, then one path (two for renames and copies). */
function parseNameStatus(output: string, where: ChangedFile['where']): ChangedFile[] {
  const parts = output.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length - 1; ) {
    const status = parts[i++]!;
    if (status.startsWith('R') || status.startsWith('C')) {
      const from = parts[i++]!;
      const to = parts[i++]!;
      if (status.startsWith('R')) files.push({ path: from, status: 'deleted', where }, { path: to, status: 'renamed', from, where });
      else files.push({ path: to, status: 'added', where });
    } else {
      const path = parts[i++]!;
      files.push({ path, status: status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified', where });
    }
  }
  return files;
}

function normalise(path: string): string {
  return path.split(sep).join('/').replace(/^\.\//, '').replace(/\/$/, '');
}
