import { readFile } from 'node:fs/promises';
import type { Project } from '@orch/engine';
import { DEPENDENCY_FIELDS } from '../workspace/readWorkspaceProjects.js';
import type { ChangeSet } from './changedFiles.js';

/** A workspace package a change deletes: its name, its folder, and the projects that still declare it. */
export interface DeletedPackage {
  name: string;
  folder: string;
  declaredBy: string[];
  /** `deleted`: its package.json is gone; `unnamed`: it is there, but names no package of that name now (broken, renamed, its name removed). */
  how: 'deleted' | 'unnamed';
}

/**
 * Workspace packages a change deletes, with the projects whose package.json still declares
 * them. A package is deleted when a package.json the change deletes (or renames away), or
 * changes so that it no longer reads as that package (broken JSON, its name removed or changed),
 * named a package that no workspace package has any more; its name is read from before the change. The
 * project graph cannot show the edge (it is read after the change), so without this a deletion
 * would affect nothing. Manifests are read only when something was deleted.
 */
export async function deletedPackages(changes: ChangeSet, projects: ReadonlyMap<string, Project>): Promise<DeletedPackage[]> {
  const deleted: DeletedPackage[] = [];
  for (const file of changes.files) {
    // Changed, it may no longer be that package (a JSON error, its name removed or changed): found by a fresh tester (session 26).
    if ((file.status !== 'deleted' && file.status !== 'modified') || file.path === 'package.json' || !file.path.endsWith('/package.json')) continue;
    const name = packageName(await changes.before(file.path));
    if (name && !projects.has(name)) deleted.push({ name, folder: file.path.slice(0, -'/package.json'.length), declaredBy: [], how: file.status === 'deleted' ? 'deleted' : 'unnamed' });
  }
  if (deleted.length === 0) return deleted;
  for (const project of projects.values()) {
    const manifest = await readFile(project.packageJson, 'utf8').then((text) => JSON.parse(text) as Record<string, Record<string, unknown> | undefined>, () => undefined);
    for (const pkg of deleted) if (DEPENDENCY_FIELDS.some((field) => manifest?.[field]?.[pkg.name] !== undefined)) pkg.declaredBy.push(project.name);
  }
  return deleted;
}

function packageName(text: string | undefined): string | undefined {
  try {
    const name = (JSON.parse(text ?? '') as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
