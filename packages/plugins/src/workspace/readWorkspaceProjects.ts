import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { SourceFile, type Diagnostic, type Project } from '@orch/engine';

export interface WorkspaceProjects {
  projects: Project[];
  diagnostics: Diagnostic[];
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

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
  const projects = found.map(({ file, name, json }): Project => {
    const dependencies = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) for (const dep of Object.keys(json[field] ?? {})) if (names.has(dep) && dep !== name) dependencies.add(dep);
    const tags = Array.isArray(json.orch?.tags) ? json.orch.tags.filter((t): t is string => typeof t === 'string') : [];
    const root_ = relative(root, dirname(file)).split('\\').join('/') || '.';
    return { name, root: root_, packageJson: file, scripts: json.scripts ?? {}, dependencies: [...dependencies].sort(), tags };
  });
  return { projects, diagnostics };
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
  return { file, name, json };
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
