import { OrchError, type TaskGraph } from '@orch/engine';
import type { CliIO } from './CliCommand.js';
import type { OpenWorkspace } from './openWorkspace.js';
import { printDiagnostics } from './render/printDiagnostics.js';

/** The task graph, for commands that run tasks: any error in the definitions is printed and nothing runs. */
export function runnableGraph(workspace: OpenWorkspace, io: CliIO): TaskGraph {
  const { graph, diagnostics } = workspace.graph();
  const problems = [...workspace.diagnostics, ...diagnostics].filter((d) => d.severity === 'error');
  if (problems.length > 0) {
    printDiagnostics(problems, io);
    throw new OrchError('graph-invalid', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the definitions; nothing was run`, { hint: 'fix them (`orch validate` lists them all), then run again' });
  }
  return graph;
}
