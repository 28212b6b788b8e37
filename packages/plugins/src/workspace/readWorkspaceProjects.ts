import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { describeJsonKind, didYouMean, jsonSyntaxError, nameTable, SourceFile, yaml, yamlLocator, type Diagnostic, type Project } from '@orch/engine';
import { detectFramework } from '../environment/frameworks.js';
import type { WorkspaceCache } from '../state/WorkspaceCache.js';
import { manifestPaths } from './manifestPaths.js';
import { workspaceDefinition, type WorkspaceDefinition } from './workspaceDefinition.js';

export interface WorkspaceProjects {
  projects: Project[];
  diagnostics: Diagnostic[];
}

/** The package.json fields that declare dependencies (workspace ones give the project graph its edges). */
export const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * The packages of a workspace: globs from `patterns` (the config), else `pnpm-workspace.yaml`,
 * else `package.json#workspaces` (`workspaceDefinition`). A repository with none of these is a
 * single package: the root `package.json`, if any. A glob that matches no package.json is a
 * warning at the line that writes it, and a definition that yields no package says so, with
 * where orch looked (issue 11: a broken definition never makes every project vanish silently).
 */
export async function readWorkspaceProjects(root: string, patterns?: readonly string[], configFile?: string, cache?: WorkspaceCache): Promise<WorkspaceProjects> {
  const definition = await workspaceDefinition(root, patterns, configFile, cache);
  const diagnostics: Diagnostic[] = [...definition.diagnostics];
  const globs = definition.globs && insideRepository(definition, diagnostics);
  let manifests: string[];
  if (globs === undefined) {
    manifests = existsSync(join(root, 'package.json')) ? [join(root, 'package.json')] : [];
  } else {
    manifests = await manifestPaths(root, globs);
    if (!definition.implicit && definition.diagnostics.every((d) => d.severity !== 'error')) diagnostics.push(...unmatchedGlobs(root, definition, manifests, globs), ...linkedPackageFolders(root, definition, globs));
  }

  const unreadable = new Map<string, Diagnostic>();
  const renamed = new Map<string, LostName>();
  const raw = manifests.map((file) => readManifest(file, diagnostics, unreadable, cache, renamed));
  const found = raw.filter((m): m is Manifest => m !== undefined);
  const names = new Set(found.map((m) => m.name));
  keepLostNames(found, names, renamed, unreadable, diagnostics);
  await cache?.save();
  for (const manifest of found) diagnostics.push(...unreadableDependencies(root, manifest, unreadable));
  // A package that exists but cannot be read is not "deleted or renamed": it has its own error.
  const known = unreadable.size === 0 ? names : new Set([...names, ...unreadable.keys()]);
  const nameless = [...unreadable].filter(([key]) => key.startsWith('\0')).map(([, diagnostic]) => diagnostic);
  const projects = found.map((manifest): Project => {
    const { file, name, json } = manifest;
    const dependencies = new Set<string>();
    const declared = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) for (const dep of Object.keys(json[field] ?? {})) declared.add(dep);
    for (const dep of declared) if (names.has(dep) && dep !== name) dependencies.add(dep);
    const framework = detectFramework(declared)?.slug;
    const tags = Array.isArray(json.orch?.tags) ? json.orch.tags.filter((t): t is string => typeof t === 'string') : [];
    const root_ = relative(root, dirname(file)).split(sep).join('/') || '.';
    const missing = missingDependencies(root, manifest, known, diagnostics, nameless);
    return { name, root: root_, packageJson: file, scripts: nameTable(json.scripts ?? {}), dependencies: [...dependencies].sort(), tags, ...(missing.length > 0 ? { missingDependencies: missing } : {}), ...(framework ? { framework } : {}) };
  });
  return { projects, diagnostics };
}

/**
 * Dependencies a package declares as workspace packages (`workspace:` protocol, or a `link:` or
 * `file:` path inside the repository) that no workspace package provides: a package deleted or
 * renamed while this one still depends on it. Each is a warning at the line that declares it.
 * (A plain version range such as `"a": "*"` cannot be told from a registry package here;
 * `orch affected` finds those from git, by the deleted package.json.)
 */
function missingDependencies(root: string, { file, json, text: read }: Manifest, names: ReadonlySet<string>, diagnostics: Diagnostic[], nameless: readonly Diagnostic[] = []): string[] {
  const missing: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, spec] of Object.entries(json[field] ?? {})) {
      if (names.has(dep) || missing.includes(dep) || typeof spec !== 'string' || !declaresWorkspacePackage(root, dirname(file), spec)) continue;
      missing.push(dep);
      const text = read ?? readFileSync(file, 'utf8');
      const source = new SourceFile(file, text);
      const { location } = yamlLocator(yaml().parseDocument(text), source)([field, dep], { key: true });
      const close = didYouMean(dep, [...names].filter((other) => !other.startsWith('\0') && other !== json.name));
      // A package.json that cannot be read, and says no name, may be the one: then this package's
      // tasks are refused rather than run without it (findings R2 #12).
      const unreadable = nameless.map((d) => (d.location ? `${relative(root, d.location.file).split(sep).join('/')}:${d.location.line ?? 1}:${d.location.column ?? 1}` : '')).filter(Boolean);
      diagnostics.push(
        source.diagnostic(unreadable.length > 0 ? 'error' : 'warning', 'workspace/missing-dependency', `${field} names '${dep}' (${spec}), but no workspace package is named '${dep}'${unreadable.length > 0 ? `; a package.json orch cannot read may be it (${unreadable.join(', ')})` : ''}`, location, {
          hint: unreadable.length > 0 ? `fix ${unreadable.join(', ')}` : `${close ? `${close} ` : ''}was it deleted or renamed? restore it, or remove '${dep}' from ${relative(root, file).split(sep).join('/')} and run your package manager's install`,
        }),
      );
    }
  }
  return missing.sort();
}

/**
 * An error at each dependency a package declares on a workspace package whose package.json
 * orch cannot read: what that package is, builds and changes cannot be known, so the tasks of
 * this package are refused (the error is in this package's file, which every run of its tasks
 * reads) rather than run without it and cached with its stale output (findings R2 #12).
 */
function unreadableDependencies(root: string, { file, json, text: read }: Manifest, unreadable: ReadonlyMap<string, Diagnostic>): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (unreadable.size === 0) return found;
  for (const field of DEPENDENCY_FIELDS) {
    for (const dep of Object.keys(json[field] ?? {})) {
      const broken = unreadable.get(dep);
      if (broken === undefined || dep === json.name) continue;
      const text = read ?? readFileSync(file, 'utf8');
      const source = new SourceFile(file, text);
      const { location } = yamlLocator(yaml().parseDocument(text), source)([field, dep], { key: true });
      const where = broken.location ? `${relative(root, broken.location.file).split(sep).join('/')}:${broken.location.line ?? 1}:${broken.location.column ?? 1}` : dep;
      found.push(
        source.diagnostic('error', 'workspace/unreadable-dependency', `${field} names '${dep}', whose package.json cannot be read (${where}: ${broken.message})`, location, {
          hint: `fix ${where}: until then orch cannot order, hash or run this package's tasks with '${dep}'`,
        }),
      );
    }
  }
  return found;
}

function declaresWorkspacePackage(root: string, folder: string, spec: string): boolean {
  if (spec.startsWith('workspace:')) return true;
  const path = /^(?:link|file):(.+)$/.exec(spec)?.[1];
  if (path === undefined) return false;
  const target = resolve(folder, path);
  return !relative(root, target).startsWith('..') && !existsSync(join(target, 'package.json')) && !/\.(tgz|tar\.gz|tar)$/.test(path);
}

interface PackageJson {
  name?: unknown;
  scripts?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
  orch?: { tags?: unknown[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Manifest {
  file: string;
  name: string;
  json: PackageJson;
  /** The file's text, when it was read (a manifest from the cache was not). */
  text?: string;
}

/**
 * One package.json, read as npm reads it (a leading byte-order mark is accepted), from the
 * workspace cache when its content is the one cached (500 manifests take a stat each instead of
 * a read and a parse; synchronous: small files read faster so than through 2,000 thread-pool
 * round trips). One that does not parse, or is not an object, is an error at its place and no
 * package; its name, when it can still be read (`"name": "lib"`), goes into `unreadable`, so the
 * packages that depend on it are refused too (findings R2 #12). Only objects are cached.
 */
function readManifest(file: string, diagnostics: Diagnostic[], unreadable: Map<string, Diagnostic>, cache: WorkspaceCache | undefined, renamed: Map<string, LostName>): Manifest | undefined {
  const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
  const found = cache?.lookup('manifest', file, isObject);
  // The name an earlier run read in this file (the workspace cache), whatever the file holds now.
  const earlier = (): string | undefined => {
    const name = (cache?.previous('manifest', file, isObject) as PackageJson | undefined)?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  };
  if (cache && !found) return undefined;
  if (found?.value !== undefined) return manifest(file, found.value as PackageJson, found.text);
  const text = (found?.text ?? readFileSync(file, 'utf8')).replace(/^\uFEFF/, '');
  let json: PackageJson;
  const refuse = (diagnostic: Diagnostic): undefined => {
    diagnostics.push(diagnostic);
    // The name it still shows, else the one it had when an earlier run read it (the workspace cache).
    const shown = /"name"\s*:\s*"((?:[^"\\\n]|\\.)+)"/.exec(text)?.[1];
    const name = shown ?? earlier();
    if (shown === undefined && name !== undefined) diagnostic.message += ` (an earlier run read its name as '${name}')`;
    // Without a readable name it is still some package's: keyed by its file, never a name.
    unreadable.set(name ?? `\0${file}`, diagnostic);
    return undefined;
  };
  const source = new SourceFile(file, text);
  try {
    json = JSON.parse(text) as PackageJson;
  } catch (error) {
    const { offset, length, message } = jsonSyntaxError(text, error);
    return refuse(source.diagnostic('error', 'workspace/invalid-package-json', `not valid JSON: ${message}`, source.location(offset, offset + length), { hint: 'fix the JSON at this place (strings in double quotes, no trailing commas or comments)' }));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const kind = describeJsonKind(json);
    return refuse(source.diagnostic('error', 'workspace/invalid-package-json', `a package.json must be a JSON object; found ${kind}, so this folder is no package`, { file, line: 1, column: 1 }, { hint: 'write an object: { "name": "<package>", "scripts": { ... } }' }));
  }
  if (json.name !== undefined && (typeof json.name !== 'string' || json.name.trim() === '')) {
    const at = /"name"\s*:/.exec(text);
    return refuse(source.diagnostic('error', 'workspace/invalid-package-json', `a package's "name" must be a non-empty string; found ${JSON.stringify(json.name)}, so this folder is no package`, at ? source.location(at.index, at.index + at[0].length) : { file, line: 1, column: 1 }, { hint: 'write its name as a string: "name": "<package>"' }));
  }
  const lost = json.name === undefined ? earlier() : undefined;
  if (lost !== undefined && found) {
    // Stored once nothing depends on the name it lost (`keepLostNames`): until then, the name is remembered.
    renamed.set(lost, { file, store: () => cache!.store('manifest', file, found, json) });
  } else if (found) cache!.store('manifest', file, found, json);
  return manifest(file, json, text);
}

/** A package.json that had a `"name"` in an earlier run and has none now: the name, and how to forget it. */
interface LostName {
  file: string;
  store(): void;
}

/**
 * A package whose package.json lost its `"name"` (found by a fresh tester, session 26): packages
 * that still depend on that name would have run without it, as if it came from the registry.
 * While one does, and no other package took the name, the name is an unreadable package's (its
 * dependents are refused, naming the file) and a warning at the file says so; otherwise it is
 * forgotten (the manifest is stored as it is now).
 */
function keepLostNames(found: readonly Manifest[], names: ReadonlySet<string>, renamed: ReadonlyMap<string, LostName>, unreadable: Map<string, Diagnostic>, diagnostics: Diagnostic[]): void {
  for (const [name, lost] of renamed) {
    const dependedOn = !names.has(name) && found.some((manifest) => manifest.file !== lost.file && DEPENDENCY_FIELDS.some((field) => Object.hasOwn(manifest.json[field] ?? {}, name)));
    if (!dependedOn) {
      lost.store();
      continue;
    }
    const diagnostic: Diagnostic = {
      severity: 'warning',
      code: 'workspace/lost-name',
      message: `this package.json was named '${name}' and has no "name" now: the packages that depend on '${name}' are refused until it has its name again`,
      location: { file: lost.file, line: 1, column: 1 },
      hint: `give it its name back ("name": "${name}"), or remove '${name}' from what depends on it`,
    };
    diagnostics.push(diagnostic);
    unreadable.set(name, diagnostic);
  }
}

function manifest(file: string, json: PackageJson, text: string | undefined): Manifest {
  const name = typeof json.name === 'string' && json.name !== '' ? json.name : relative(process.cwd(), dirname(file)) || '.';
  return { file, name, json, ...(text === undefined ? {} : { text }) };
}

/**
 * The definition's globs that stay inside the workspace root; each one that leaves it (`../sib`,
 * `../*`, `/abs`) is an error where it is written and reads no package (findings R2 #5): orch
 * hashes only files of the workspace, so a package outside it could only give stale hits, and a
 * glob reaching a shared parent such as `/tmp` would run other people's checkouts. An error of
 * the whole workspace (owned by the config), as an `inputs` glob that leaves it is.
 */
function insideRepository(definition: WorkspaceDefinition, diagnostics: Diagnostic[]): string[] {
  const kept: string[] = [];
  for (const [index, glob] of definition.globs!.entries()) {
    const folder = posix.normalize(glob.replace(/^!/, '').split(sep).join('/'));
    const absolute = posix.isAbsolute(folder) || /^[A-Za-z]:\//.test(folder);
    if (!absolute && folder !== '..' && !folder.startsWith('../')) {
      kept.push(glob);
      continue;
    }
    const { location, sourceLine } = definition.locate?.(index) ?? {};
    diagnostics.push({
      severity: 'error',
      code: 'workspace/glob-outside',
      message: `${definition.name} lists '${glob}', which ${absolute ? 'is an absolute path' : 'leaves the workspace root'}: orch reads no package from it`,
      ...(location ? { location } : {}),
      ...(sourceLine === undefined ? {} : { sourceLine }),
      hint: 'workspace packages are folders inside the repository (e.g. packages/*): move or link the package into it, or remove the glob',
      owner: { kind: 'config' },
    });
  }
  return kept;
}

/**
 * A warning for each package folder a glob names that is a symbolic link (`packages/lib ->
 * ../vendor/lib`): orch does not read it as a package, since git records the link and not the
 * files behind it, so nothing of it could be hashed (findings R2 #12; docs/configuration.md).
 * Checked for the usual globs only, a literal folder or `<folder>/*`, which costs one
 * `readdir`: a link under `**` is left out without a word.
 */
function linkedPackageFolders(root: string, definition: WorkspaceDefinition, kept: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [index, glob] of (definition.globs ?? []).entries()) {
    if (glob.startsWith('!') || !kept.includes(glob)) continue;
    const folder = glob.replace(/\/$/, '');
    const parent = folder.endsWith('/*') ? folder.slice(0, -2) : undefined;
    if (/[*?[\]{}!()]/.test(parent ?? folder)) continue;
    // The folder's entries say which are links: no lstat per package (500 took ~4 ms, issue 13).
    const links = parent === undefined ? (isLink(join(root, folder)) ? [folder] : []) : linksIn(join(root, parent)).map((name) => `${parent}/${name}`);
    for (const candidate of links) {
      const path = join(root, candidate);
      if (!existsSync(join(path, 'package.json'))) continue;
      const { location, sourceLine } = definition.locate?.(index) ?? {};
      diagnostics.push({
        severity: 'warning',
        code: 'workspace/linked-package',
        message: `${candidate} is a symbolic link (to ${readlinkSync(path)}), so it is not read as a workspace package: git records the link, not the files behind it, and orch could not hash them`,
        ...(location ? { location } : {}),
        ...(sourceLine === undefined ? {} : { sourceLine }),
        hint: 'list the folder the link leads to in the workspace globs (inside the repository), or replace the link by the folder',
      });
    }
  }
  return diagnostics;
}

/** The names of the symbolic links in a folder (none when it cannot be read). */
function linksIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isSymbolicLink())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * A warning for each glob of the definition that matches no package.json, and, when none
 * matches anything, one that says no package was found and where orch looked.
 */
function unmatchedGlobs(root: string, definition: WorkspaceDefinition, manifests: readonly string[], kept: readonly string[]): Diagnostic[] {
  const found = manifests.map((file) => relative(root, dirname(file)).split(sep).join('/') || '.');
  const diagnostics: Diagnostic[] = [];
  const globs = definition.globs ?? [];
  const where = (index: number) => definition.locate?.(index) ?? { location: { file: join(root, 'pnpm-workspace.yaml') } };
  for (const [index, glob] of globs.entries()) {
    if (glob.startsWith('!') || !kept.includes(glob)) continue; // one leaving the workspace has its own error
    const folders = picomatch(glob.replace(/\/$/, '') || '.', { dot: false });
    if (found.some((folder) => folders(folder))) continue;
    const { location, sourceLine } = where(index);
    diagnostics.push({
      severity: 'warning',
      code: 'workspace/glob-matches-nothing',
      message: `${definition.name} lists '${glob}', which matches no folder with a package.json${found.length === 0 ? ': no workspace package was found' : ''}`,
      location,
      ...(sourceLine === undefined ? {} : { sourceLine }),
      hint: `correct the glob or remove it (globs name package folders, e.g. 'packages/*')${definition.note ? `; ${definition.note}` : ''}`,
    });
  }
  if (globs.filter((g) => !g.startsWith('!')).length === 0) {
    const { location, sourceLine } = where(0);
    diagnostics.push({
      severity: 'warning',
      code: 'workspace/glob-matches-nothing',
      message: `${definition.name} lists no package folders: no workspace package was found`,
      location,
      ...(sourceLine === undefined ? {} : { sourceLine }),
      hint: `list the package folders, e.g. 'packages/*'${definition.note ? `; ${definition.note}` : ''}`,
    });
  }
  return diagnostics;
}
