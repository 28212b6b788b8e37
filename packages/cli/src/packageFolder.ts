import { relative, sep } from 'node:path';
import type { Project } from '@orch/engine';
import type { OpenWorkspace } from './openWorkspace.js';

/**
 * The workspace package whose folder holds `cwd` (the deepest one), with the folder relative to
 * the root; undefined at the root, between packages, or in the root package alone. A bare
 * target run there is scoped to it, as Turborepo 2 infers the package from the directory.
 */
export function packageFolder(workspace: OpenWorkspace, cwd: string): Project | undefined {
  const here = relative(workspace.config.root, cwd).split(sep).join('/');
  if (here === '' || here === '..' || here.startsWith('../')) return undefined;
  let found: Project | undefined;
  for (const project of workspace.registry.projects.values()) {
    if (project.root === '.' || !(here === project.root || here.startsWith(`${project.root}/`))) continue;
    if (!found || project.root.length > found.root.length) found = project;
  }
  return found;
}
