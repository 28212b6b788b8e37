import { readFileSync } from 'node:fs';
import { describeUnresolved, OrchError, terminalText } from '@orch/engine';
import { formatLocation } from './render/formatDiagnostic.js';
import type { CliIO } from './CliCommand.js';
import type { OpenWorkspace } from './openWorkspace.js';

/**
 * Stage 1 for names typed on the command line: each to the command ids it means. Warnings
 * (a file shadowed by a folder) go to stderr; an unknown name is a usage error with the closest
 * names, which are suggested, never run.
 */
export async function resolveNames(workspace: OpenWorkspace, names: readonly string[], io: CliIO): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const resolution = await workspace.engine.resolve(name, workspace.registry);
    switch (resolution.kind) {
      case 'command':
        for (const warning of resolution.warnings) io.stderr(`warning: ${terminalText(warning)}\n`);
        ids.push(resolution.id);
        break;
      case 'target':
        ids.push(...resolution.ids);
        break;
      case 'invalid':
      case 'not-found': {
        const { message, hint } = describeUnresolved(resolution);
        const unreadable = resolution.kind === 'not-found' ? unreadablePackageNote(workspace, name, io.cwd) : undefined;
        const why = unreadable ?? (resolution.kind === 'not-found' ? noPackagesNote(workspace, name, io.cwd, hint?.startsWith('did you mean') === true) : undefined);
        // The package exists but cannot be read: a close name of another package is no answer.
        const hints = [why, unreadable ? undefined : hint].filter((part): part is string => part !== undefined);
        throw new OrchError(resolution.kind === 'invalid' ? 'invalid-command-id' : 'command-not-found', message, hints.length > 0 ? { hint: hints.join('\n  ') } : {});
      }
    }
  }
  return [...new Set(ids)];
}

/** The ids `names` mean, as `resolveNames`, each with the name it was asked as (the first). */
export async function resolveRoots(workspace: OpenWorkspace, names: readonly string[], io: CliIO): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  for (const name of names) for (const id of await resolveNames(workspace, [name], io)) if (!roots.has(id)) roots.set(id, name);
  return roots;
}

/**
 * For `lib#build` when lib's package.json cannot be read (findings R2 #12): that error, at its
 * place, instead of a "did you mean" for another package.
 */
function unreadablePackageNote(workspace: OpenWorkspace, name: string, cwd: string): string | undefined {
  const hash = name.lastIndexOf('#');
  if (hash <= 0) return undefined;
  const pkg = name.slice(0, hash);
  // Its name as the file still shows it, or as an earlier run read it (the message says so then).
  const problem = workspace.diagnostics.find((d) => d.code === 'workspace/invalid-package-json' && d.location && (readsName(d.location.file, pkg) || d.message.endsWith(`(an earlier run read its name as '${pkg}')`)));
  if (!problem?.location) return undefined;
  return `the package '${pkg}' is not read: ${formatLocation(problem.location, cwd)}: ${problem.message}`;
}

/** Whether a package.json that does not parse still says `"name": "<name>"`. */
function readsName(file: string, name: string): boolean {
  try {
    return new RegExp(`"name"\\s*:\\s*${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Why a name such as `build` names no package script when the workspace has no package at
 * all: the problem with its definition (`pnpm-workspace.yaml:1:1: ...`), or where orch looked
 * (only when no close name is suggested: `HELLO` for `hello` needs no word on packages).
 */
function noPackagesNote(workspace: OpenWorkspace, name: string, cwd: string, suggested: boolean): string | undefined {
  if (workspace.registry.projects.size > 0 || name.includes('/')) return undefined;
  const problem = workspace.diagnostics.find((d) => d.code.startsWith('workspace/'));
  if (problem) return `no workspace package was found, so no package has a '${name}' script: ${problem.location ? `${formatLocation(problem.location, cwd)}: ` : ''}${problem.message} (\`orch validate\` shows every problem)`;
  if (suggested) return undefined;
  return `no workspace package was found, so no package has a '${name}' script: orch looked in ${workspace.config.root} for the config's \`workspaces\`, pnpm-workspace.yaml, package.json#workspaces and a package.json`;
}
