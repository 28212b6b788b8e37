import type { CommandDefinition } from '@orch/engine';
import picomatch from 'picomatch';
import { pathMatcher } from './pathMatcher.js';

/** Turborepo's microsyntax for a glob written from the workspace root: `$TURBO_ROOT$/shared/**`. */
export const ROOT_MICROSYNTAX = '$TURBO_ROOT$';

/** An `inputs` glob that cannot be used, with why and what to write instead. */
export interface InputGlobProblem {
  /** The glob as written (with its `!`). */
  glob: string;
  /** Its index in `inputs`. */
  index: number;
  problem: string;
  hint: string;
}

type Resolved = { glob: string; fromRoot: boolean } | { problem: string; hint: string };

const GLOB_SPECIAL = /[*?[\]{}()!+@|\\]/g;

/**
 * One `inputs` glob (without its `!`), written in `folder` (relative to the workspace root, ''
 * for the root): relative to the folder as written when it stays inside it (`src/**`), or from
 * the root when it climbs out (`../../shared/**` in `packages/d` is `shared/**`) or says so
 * (`$TURBO_ROOT$/shared/**`, as Turborepo writes it). `..` may only lead the glob's fixed part;
 * a glob that leaves the workspace root, or is absolute, is a problem.
 */
export function resolveInputGlob(glob: string, folder: string): Resolved {
  const fromRootMarker = glob === ROOT_MICROSYNTAX || glob.startsWith(`${ROOT_MICROSYNTAX}/`);
  let body = fromRootMarker ? glob.slice(ROOT_MICROSYNTAX.length + 1) : glob;
  if (body.includes(ROOT_MICROSYNTAX)) return { problem: `${ROOT_MICROSYNTAX} may only start a glob`, hint: `write ${ROOT_MICROSYNTAX}/<glob from the workspace root>` };
  if (body.startsWith('/') || /^[A-Za-z]:[\\/]/.test(body)) return { problem: 'is an absolute path; inputs are files of the workspace', hint: `write it from the workspace root: ${ROOT_MICROSYNTAX}/<path>, or relative to the package` };
  while (body.startsWith('./')) body = body.slice(2);
  const { base, glob: rest } = picomatch.scan(body);
  if (rest.split('/').includes('..')) return { problem: '`..` after a wildcard', hint: 'put `..` only at the start of the glob (`../../shared/**`), or write it from the root with $TURBO_ROOT$/' };
  // `..` pops the folder's segments first (literal text, escaped) and then the glob's own.
  const stay = fromRootMarker ? [] : folder === '' ? [] : folder.split('/');
  const written: string[] = [];
  let left = false;
  for (const segment of base.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') written.push(segment);
    else if (written.length > 0) written.pop();
    else if (stay.length > 0) {
      stay.pop();
      left = true;
    } else
      return {
        problem: 'leaves the workspace root',
        hint: `orch hashes only files of the workspace: name files inside it (from the root: ${ROOT_MICROSYNTAX}/<path>), or, for something outside it, declare in env what it depends on`,
      };
  }
  const path = [...written, ...(rest ? [rest] : [])].join('/');
  if (!fromRootMarker && !left) return { glob: path === '' ? '**' : path, fromRoot: false };
  const prefix = stay.map((segment) => segment.replace(GLOB_SPECIAL, '\\$&'));
  // From the root, yet inside the folder: relative to the folder, like the others.
  if (fromRootMarker && folder !== '' && `${path}/`.startsWith(`${folder}/`)) return { glob: path.slice(folder.length + 1) || '**', fromRoot: false };
  if (fromRootMarker && folder === '') return { glob: path || '**', fromRoot: false };
  return { glob: [...prefix, ...(path ? [path] : ['**'])].join('/'), fromRoot: true };
}

/**
 * What a task reads, by its `inputs` (docs/configuration.md#inputs): globs relative to its
 * folder (its package, or the root for markdown and config commands), `!` excludes, globs that
 * climb out of the package (`../../shared/**`) or start at the root (`$TURBO_ROOT$/shared/**`).
 * Without `inputs` (or with only exclusions), every file of the folder. A task's own declared
 * outputs are never its inputs, and with default inputs neither are the outputs of the other
 * tasks of its package (build products, not sources: a task that reads them depends on the
 * task that makes them). The hash and `orch affected` both ask this class.
 */
export class TaskInputs {
  /** `folder/`, or '' at the root. */
  readonly prefix: string;
  /** Include globs relative to the folder (for walking files git ignores). */
  readonly localGlobs: string[];
  /** Include globs from the root, for files outside the folder. */
  readonly rootGlobs: string[];
  /** Globs that cannot be used (leave the workspace, absolute...): they match nothing. */
  readonly problems: InputGlobProblem[] = [];
  /** Whether `inputs` names files (not only exclusions): then the outputs of the package's other tasks may be inputs. */
  readonly declared: boolean;
  private readonly local: (path: string) => boolean;
  private readonly localExclude: (path: string) => boolean;
  private readonly fromRoot: (path: string) => boolean;
  private readonly rootExclude: (path: string) => boolean;
  private readonly rootBases: string[];
  private readonly isOutput: (path: string) => boolean;
  private readonly nested: string[];

  /**
   * @param folder the task's folder relative to the root (`packages/d`), '' for the root.
   * @param packageOutputs the output globs of every task of the package (relative to its folder).
   * @param packageRoots the folders of every workspace package (relative to the root): those
   *   inside `folder` are other packages, whose files its globs never match (as `orch affected`
   *   and Nx give a file to the deepest package that holds it; FINDINGS-R2 #14). A glob
   *   from the root (`$TURBO_ROOT$/packages/lib/sub/**`) still names them.
   */
  constructor(globs: readonly string[] | undefined, outputs: readonly string[] | undefined, folder: string, packageOutputs: readonly string[] = [], packageRoots: Iterable<string> = []) {
    this.prefix = folder === '' || folder === '.' ? '' : `${folder}/`;
    this.nested = [...packageRoots].filter((root) => root !== '.' && root !== folder && root.startsWith(this.prefix)).map((root) => `${root}/`);
    const local: string[] = [];
    const localExclude: string[] = [];
    const root: string[] = [];
    const rootExclude: string[] = [];
    for (const [index, written] of (globs ?? []).entries()) {
      const negated = written.startsWith('!');
      const resolved = resolveInputGlob(negated ? written.slice(1) : written, this.prefix.slice(0, -1));
      if ('problem' in resolved) {
        this.problems.push({ glob: written, index, problem: resolved.problem, hint: resolved.hint });
        continue;
      }
      (resolved.fromRoot ? (negated ? rootExclude : root) : negated ? localExclude : local).push(resolved.glob);
    }
    const names = (globs ?? []).some((glob) => !glob.startsWith('!'));
    this.declared = names;
    // Without inputs, or with only exclusions, every file of the folder; `inputs: []` reads none.
    if (!names && !(globs !== undefined && globs.length === 0)) local.push('**');
    this.localGlobs = local;
    this.rootGlobs = root;
    this.local = matcher(local);
    this.localExclude = matcher(localExclude);
    this.fromRoot = matcher(root);
    this.rootExclude = matcher(rootExclude);
    this.rootBases = root.map((glob) => picomatch.scan(glob).base.replace(/\\(.)/g, '$1'));
    const own = (outputs ?? []).filter((glob) => !glob.startsWith('!'));
    this.isOutput = matcher(names ? own : [...own, ...packageOutputs]);
  }

  /** The inputs of a command in its folder, with the outputs of its package's tasks. */
  static of(command: CommandDefinition, folder: string, packageOutputs?: readonly string[], packageRoots?: Iterable<string>): TaskInputs {
    return new TaskInputs(command.metadata.inputs, command.metadata.outputs, folder, packageOutputs, packageRoots);
  }

  /**
   * Whether a file (relative to the root, `/`-separated) is an input. One git tracks is a
   * source whatever an `outputs` glob says (`outputs: ["**"]`, `src/**\/*.d.ts` beside a
   * hand-written one): outputs leave out only untracked files (FINDINGS-R2 #9).
   */
  matches(path: string, tracked = false): boolean {
    const inside = path.startsWith(this.prefix) && !this.nested.some((root) => path.startsWith(root));
    const rel = inside ? path.slice(this.prefix.length) : undefined;
    if (rel !== undefined && !tracked && this.isOutput(rel)) return false;
    const included = (rel !== undefined && this.local(rel)) || (this.rootGlobs.length > 0 && this.mayReachFromRoot(path) && this.fromRoot(path));
    if (!included) return false;
    return !(rel !== undefined && this.localExclude(rel)) && !this.rootExclude(path);
  }

  /** Whether any input can be outside the folder. */
  get reachesOutside(): boolean {
    return this.rootGlobs.length > 0;
  }

  private mayReachFromRoot(path: string): boolean {
    return this.rootBases.some((base) => base === '' || path === base || path.startsWith(`${base}/`));
  }
}

const compiled = new Map<string, (path: string) => boolean>();

/** Globs compiled once per process: the tasks of a target have the same in every package. */
function matcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const key = JSON.stringify(globs);
  let found = compiled.get(key);
  if (!found) {
    found = pathMatcher(globs);
    compiled.set(key, found);
  }
  return found;
}
