import { describeUnresolved, OrchError, terminalText } from '@orch/engine';
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
        throw new OrchError(resolution.kind === 'invalid' ? 'invalid-command-id' : 'command-not-found', message, hint ? { hint } : {});
      }
    }
  }
  return [...new Set(ids)];
}
