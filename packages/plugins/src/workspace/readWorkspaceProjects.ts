import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { didYouMean, nameTable, SourceFile, yamlLocator, type Diagnostic, type Project } from '@orch/engine';

export interface WorkspaceProjects {
  projects: Project[];
  diagnostics: Diagnostic[];
}

/** The package.json fields that declare dependencies (workspace ones give the project graph its edges). */
export const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * The packages of a workspace: globs from `patterns` (the config), else `pnpm-workspace.yaml`,
 * else `package.json#workspaces`. A repository with none of these is a single package: the
 * root `package.json`, if any.
 */
export async function readWorkspaceProjects(root: string, patterns?: readonly string[]): Promise<WorkspaceProjects> {
  const diagnostics: Diagnostic[] = [];
  const globs = patterns ?? (await workspaceGlobs(root, diagnostics));
  let manifests: string[];
  if (globs === undefined) {
    manifests = existsSync(join(root, 'package.json')) ? [join(root, 'package.json')] : [];
  } else {
    const { glob } = await import('tinyglobby');
    const include = globs.filter((g) => !g.startsWith('!')).map((g) => `${g.replace(/\/$/, '')}/package.json`);
    const exclude = globs.filter((g) => g.startsWith('!')).map((g) => `${g.slice(1).replace(/\/$/, '')}/package.json`);
    manifests = (await glob(include, { cwd: root, ignore: ['**/node_modules/**', ...exclude], absolute: true, followSymbolicLinks: false })).sort();
  }

  const raw = await Promise.all(manifests.map((file) => readManifest(file, diagnostics)));
  const found = raw.filter((m): m is Manifest => m !== undefined);
  const names = new Set(found.map((m) => m.name));
  const projects = found.map((manifest): Project => {
    const { file, name, json } = manifest;
    const dependencies = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) for (const dep of Object.keys(json[field] ?? {})) if (names.has(dep) && dep !== name) dependencies.add(dep);
    const tags = Array.isArray(json.orch?.tags) ? json.orch.tags.filter((t): t is string => typeof t === 'string') : [];
    const root_ = relative(root, dirname(file)).split('\\').join('/') || '.';
    const missing = missingDependencies(root, manifest, names, diagnostics);
    return { name, root: root_, packageJson: file, scripts: nameTable(json.scripts ?? {}), dependencies: [...dependencies].sort(), tags, ...(missing.length > 0 ? { missingDependencies: missing } : {}) };
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
function missingDependencies(root: string, { file, json, text }: Manifest, names: ReadonlySet<string>, diagnostics: Diagnostic[]): string[] {
  const missing: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, spec] of Object.entries(json[field] ?? {})) {
      if (names.has(dep) || missing.includes(dep) || typeof spec !== 'string' || !declaresWorkspacePackage(root, dirname(file), spec)) continue;
      missing.push(dep);
      const source = new SourceFile(file, text);
      const { location } = yamlLocator(parseDocument(text), source)([field, dep], { key: true });
      const close = didYouMean(dep, [...names].filter((other) => other !== json.name));
      diagnostics.push(
        source.diagnostic('warning', 'workspace/missing-dependency', `${field} names '${dep}' (${spec}), but no workspace package is named '${dep}'`, location, {
          hint: `${close ? `${close} ` : ''}was it deleted or renamed? restore it, or remove '${dep}' from ${relative(root, file).split('\\').join('/')} and run your package manager's install`,
        }),
      );
    }
  }
  return missing.sort();
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
  text: string;
}

async function readManifest(file: string, diagnostics: Diagnostic[]): Promise<Manifest | undefined> {
  const text = await readFile(file, 'utf8');
  let json: PackageJson;
  try {
    json = JSON.parse(text) as PackageJson;
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const source = new SourceFile(file, text);
    const location = position ? source.location(Number(position[1])) : { file };
    diagnostics.push(source.diagnostic('error', 'workspace/invalid-package-json', `invalid JSON: ${(error as Error).message}`, location));
    return undefined;
  }
  const name = typeof json.name === 'string' && json.name !== '' ? json.name : relative(process.cwd(), dirname(file)) || '.';
  return { file, name, json, text };
}

async function workspaceGlobs(root: string, diagnostics: Diagnostic[]): Promise<string[] | undefined> {
  const pnpmFile = join(root, 'pnpm-workspace.yaml');
  if (existsSync(pnpmFile)) {
    const text = await readFile(pnpmFile, 'utf8');
    const document = parseDocument(text);
    if (document.errors.length > 0) {
      const source = new SourceFile(pnpmFile, text);
      const error = document.errors[0]!;
      diagnostics.push(source.diagnostic('error', 'workspace/invalid-yaml', `invalid YAML: ${error.message.split('\n')[0]}`, source.location(error.pos[0], error.pos[1])));
      return [];
    }
    const packages = (document.toJS() as { packages?: unknown } | null)?.packages;
    return Array.isArray(packages) ? packages.filter((p): p is string => typeof p === 'string') : [];
  }
  const packageFile = join(root, 'package.json');
  if (!existsSync(packageFile)) return undefined;
  try {
    const workspaces = (JSON.parse(await readFile(packageFile, 'utf8')) as PackageJson).workspaces;
    if (Array.isArray(workspaces)) return workspaces;
    if (workspaces && Array.isArray(workspaces.packages)) return workspaces.packages;
  } catch {
    // reported when the root package is read as a project
  }
  return undefined;
}
