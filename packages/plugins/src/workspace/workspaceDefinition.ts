import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configLocator, SourceFile, yaml, yamlLocator, type Diagnostic, type PathLocator, type SourceLocation } from '@orch/engine';
import type { WorkspaceCache } from '../state/WorkspaceCache.js';

/**
 * Where the workspace's packages are declared, as orch read it: globs of package folders (`!`
 * excludes) and where each is written, for diagnostics. `globs` undefined: no workspace (the
 * root package.json alone is the project).
 */
export interface WorkspaceDefinition {
  globs?: string[];
  /** `pnpm-workspace.yaml`, `package.json#workspaces` or the config's `workspaces`: named in messages. */
  name?: string;
  /** The globs are pnpm's default, written nowhere (pnpm-workspace.yaml without `packages`). */
  implicit?: boolean;
  /** Where the glob at an index is written. */
  locate?: (index: number) => ReturnType<PathLocator>;
  /** Why no usable glob was read, and what else is there (package.json#workspaces beside pnpm-workspace.yaml). */
  note?: string;
  diagnostics: Diagnostic[];
}

/** pnpm's default when pnpm-workspace.yaml declares no `packages`: every package.json, the root's too. */
const EVERY_PACKAGE = ['.', '**'];

/**
 * The workspace definition, in pnpm's, npm's and Yarn's order: the config's `workspaces`, else
 * `pnpm-workspace.yaml`, else `package.json#workspaces`. pnpm-workspace.yaml is read as pnpm
 * reads it (@pnpm/workspace.workspace-manifest-reader): empty, `{}` or without `packages`
 * means every package.json (pnpm's default); not a mapping, `packages` not a list, or an
 * entry that is not text is an error at that place, and pnpm would refuse it too. pnpm never
 * reads package.json#workspaces, and neither does orch while pnpm-workspace.yaml exists.
 */
export async function workspaceDefinition(root: string, configGlobs?: readonly string[], configFile?: string, cache?: WorkspaceCache): Promise<WorkspaceDefinition> {
  if (configGlobs) {
    const locate: PathLocator | undefined = configFile ? configLocator(configFile) : undefined;
    return { globs: [...configGlobs], name: "the config's workspaces", ...(locate ? { locate: (index: number) => locate(['workspaces', index]) } : {}), diagnostics: [] };
  }
  const pnpmFile = join(root, 'pnpm-workspace.yaml');
  if (existsSync(pnpmFile)) return cachedPnpmWorkspace(pnpmFile, await packageJsonWorkspaces(root), cache);
  const workspaces = await packageJsonWorkspaces(root);
  return workspaces ?? { diagnostics: [] };
}

/**
 * pnpm-workspace.yaml's globs from the workspace cache when its content is the one cached (a
 * definition without problems only): the file is then not parsed, and the `yaml` package not
 * loaded, until a glob's place is asked for.
 */
async function cachedPnpmWorkspace(file: string, packageJson: WorkspaceDefinition | undefined, cache: WorkspaceCache | undefined): Promise<WorkspaceDefinition> {
  const found = cache?.lookup('workspace-definition', file, (value) => Array.isArray((value as { globs?: unknown } | null)?.globs) && (value as { globs: unknown[] }).globs.every((glob) => typeof glob === 'string'));
  const cached = found?.value as { globs: string[] } | undefined;
  if (!found || !cached) {
    const definition = await pnpmWorkspace(file, packageJson, found?.text);
    if (found && definition.globs && !definition.implicit && definition.diagnostics.length === 0) cache!.store('workspace-definition', file, found, { globs: definition.globs });
    return definition;
  }
  const note = packageJsonNote(packageJson);
  let locate: PathLocator | undefined;
  const locator = (): PathLocator => {
    if (!locate) {
      const source = new SourceFile(file, readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
      locate = yamlLocator(yaml().parseDocument(source.text), source);
    }
    return locate;
  };
  return {
    globs: cached.globs,
    name: 'pnpm-workspace.yaml',
    locate: (index) => locator()(['packages', index]),
    ...(note ? { note } : {}),
    diagnostics: [],
  };
}

function packageJsonNote(packageJson: WorkspaceDefinition | undefined): string | undefined {
  return packageJson?.globs ? `package.json#workspaces (${packageJson.globs.join(', ')}) is not read while pnpm-workspace.yaml exists, as pnpm reads only pnpm-workspace.yaml` : undefined;
}

async function pnpmWorkspace(file: string, packageJson: WorkspaceDefinition | undefined, text?: string): Promise<WorkspaceDefinition> {
  const source = new SourceFile(file, (text ?? (await readFile(file, 'utf8'))).replace(/^\uFEFF/, ''));
  const name = 'pnpm-workspace.yaml';
  const note = packageJsonNote(packageJson);
  const withNote = (hint: string) => (note ? `${hint}\n  ${note}` : hint);
  const example = "packages:\n      - 'packages/*'";
  const refuse = (location: SourceLocation, message: string, hint: string): WorkspaceDefinition => ({
    globs: [],
    name,
    ...(note ? { note } : {}),
    diagnostics: [source.diagnostic('error', 'workspace/invalid-pnpm-workspace', `${message}; pnpm refuses it too, and orch reads no workspace package`, location, { hint: withNote(hint) })],
  });
  const document = yaml().parseDocument(source.text);
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    return refuse(source.location(error.pos[0], error.pos[1]), `invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, `fix the YAML; pnpm-workspace.yaml is a mapping such as\n    ${example}`);
  }
  const locate = yamlLocator(document, source);
  const contents = document.contents;
  if (contents === null || (yaml().isScalar(contents) && contents.value === null) || (yaml().isMap(contents) && contents.items.length === 0)) return everyPackage(name, source, note, 'is empty');
  if (!yaml().isMap(contents)) return refuse(locate([]).location, `pnpm-workspace.yaml must be a mapping with a \`packages\` list; found ${describeNode(contents)}`, `write\n    ${example}`);
  const packages = contents.get('packages', true);
  if (packages === undefined || (yaml().isScalar(packages) && packages.value === null)) return everyPackage(name, source, note, 'declares no `packages`');
  if (!yaml().isSeq(packages)) return refuse(locate(['packages']).location, `\`packages\` must be a list of globs; found ${describeNode(packages)}`, `write\n    ${example}`);
  const globs: string[] = [];
  for (const [index, item] of packages.items.entries()) {
    const value = yaml().isScalar(item) ? item.value : undefined;
    if (typeof value !== 'string' || value === '') return refuse(locate(['packages', index]).location, `each entry of \`packages\` must be a folder glob; entry ${index + 1} is ${value === '' ? 'empty' : describeNode(item)}`, "quote it as text: - 'packages/*'");
    globs.push(value);
  }
  return { globs, name, locate: (index) => locate(['packages', index]), ...(note ? { note } : {}), diagnostics: [] };
}

/** pnpm-workspace.yaml without `packages`: pnpm then takes every package.json in the repository (the root's too). */
function everyPackage(name: string, source: SourceFile, note: string | undefined, why: string): WorkspaceDefinition {
  return {
    globs: EVERY_PACKAGE,
    name,
    implicit: true,
    diagnostics: [
      source.diagnostic('warning', 'workspace/no-packages-field', `pnpm-workspace.yaml ${why}: as pnpm does, orch takes every package.json in the repository (outside node_modules) as a workspace package`, { file: source.file, line: 1, column: 1 }, {
        hint: `name the package folders to narrow it:\n    packages:\n      - 'packages/*'${note ? `\n  ${note}` : ''}`,
      }),
    ],
    ...(note ? { note } : {}),
  };
}

/** package.json#workspaces (npm, Yarn, Bun): a list, or Yarn's `{ packages: [...] }`. */
async function packageJsonWorkspaces(root: string): Promise<WorkspaceDefinition | undefined> {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = await readFile(file, 'utf8');
  let workspaces: unknown;
  try {
    workspaces = (JSON.parse(text) as { workspaces?: unknown }).workspaces;
  } catch {
    return undefined; // reported when the root package is read as a project
  }
  const nested = Array.isArray(workspaces) ? [] : ['packages'];
  const list = Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages;
  if (!Array.isArray(list)) return undefined;
  // Located only when a glob has a problem to point at: most runs never parse it as YAML.
  let locate: PathLocator | undefined;
  const locator = () => (locate ??= yamlLocator(yaml().parseDocument(text), new SourceFile(file, text)));
  return { globs: list.filter((glob): glob is string => typeof glob === 'string'), name: 'package.json#workspaces', locate: (index) => locator()(['workspaces', ...nested, index]), diagnostics: [] };
}

function describeNode(node: unknown): string {
  if (yaml().isMap(node)) return 'a mapping';
  if (yaml().isSeq(node)) return 'a list';
  if (yaml().isScalar(node)) return typeof node.value === 'string' ? `the text '${node.value}'` : `${typeof node.value === 'number' ? 'the number' : 'the value'} ${String(node.value)}`;
  return 'nothing';
}
