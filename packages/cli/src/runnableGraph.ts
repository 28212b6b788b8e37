import { blocksRun, dependencyClosure, OrchError, type TaskGraph } from '@orch/engine';
import type { CliIO } from './CliCommand.js';
import type { OpenWorkspace } from './openWorkspace.js';
import { plural, printProblems } from './render/printDiagnostics.js';
import { runScope } from './runScope.js';

/**
 * The task graph for a run of `ids` (with `only`, just them; else with all they depend on).
 * The run is refused for an error that touches it: in the config, in one of its tasks, in a
 * file that defines one (command file, `@` include, agent file) or in an agent it uses. Every
 * other error is printed as a one-line warning and the run goes on (issue 12: one bad file
 * blocks only itself).
 */
export async function runnableGraph(workspace: OpenWorkspace, ids: readonly string[], options: { only: boolean }, io: CliIO): Promise<TaskGraph> {
  const { graph, diagnostics } = workspace.graph();
  const scope = await runScope(workspace, options.only ? new Set(ids) : dependencyClosure(graph, ids));
  const stopping = printProblems([...workspace.diagnostics, ...diagnostics], (d) => blocksRun(d, scope), io);
  if (stopping > 0) {
    throw new OrchError('graph-invalid', `${plural(stopping, 'problem')} in what this run needs; nothing was run`, { hint: 'fix them (`orch validate` lists every problem), then run again' });
  }
  return graph;
}
