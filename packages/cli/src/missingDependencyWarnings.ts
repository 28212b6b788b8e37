import type { Diagnostic, PlannedTask } from '@orch/engine';
import type { OpenWorkspace } from './openWorkspace.js';

/**
 * The `workspace/missing-dependency` warnings of the packages a plan runs: each names the
 * package.json line that declares a workspace package no longer there (deleted or renamed), so a
 * task about to fail on it has a named cause and a fix.
 */
export function missingDependencyWarnings(workspace: OpenWorkspace, plan: readonly PlannedTask[]): Diagnostic[] {
  const manifests = new Set<string>();
  for (const task of plan) {
    const name = workspace.registry.commands.get(task.id)?.project;
    const project = name === undefined ? undefined : workspace.registry.projects.get(name);
    if (project?.missingDependencies) manifests.add(project.packageJson);
  }
  return workspace.diagnostics.filter((d) => d.code === 'workspace/missing-dependency' && manifests.has(d.location?.file ?? ''));
}
