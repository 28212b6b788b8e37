import { join, relative, resolve } from 'node:path';
import { blocksRun, dependencyClosure, ExitCode, ORCH_VERSION, OrchError, terminalText, type TaskGraph } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { printProblems } from '../render/printDiagnostics.js';
import { stopsEveryCommand } from '../runScope.js';
import { filterRoots } from '../filterRoots.js';
import { filteredPackages } from '../filteredPackages.js';
import type { OpenWorkspace } from '../openWorkspace.js';
import { resolveRoots } from '../resolveNames.js';
import { runOptionSpecs } from '../runOptions.js';
import type { CliIO } from '../CliCommand.js';
import { pluginsModule } from '../lazyModules.js';

export const graphCommand: CliCommand = {
  name: 'graph',
  usage: 'orch graph [<command>...] [options]',
  description:
    'Prints the task graph in dependency order, or only what the named commands need, or writes it as one self-contained HTML page (--html: laid out, zoomable, searchable, the critical path by past durations marked). Cycles are reported with each edge and where it is declared. As `turbo run --graph` or `nx graph`.',
  options: {
    json: { type: 'boolean', description: 'print the graph as JSON (nodes and edges)' },
    dot: { type: 'boolean', description: 'print the graph in Graphviz dot' },
    mermaid: { type: 'boolean', description: 'print the graph as a Mermaid flowchart' },
    html: { type: 'string', valueName: 'file', bare: '', bareNext: /\.html?$/i, description: 'write the graph as an HTML page to <file> (.orch/graph.html when none is named)', example: '--html graph.html' },
    ...runOptionSpecs(['filter']),
  },
  operands: 'names',
  examples: ['orch graph', 'orch graph milestone/execute', "orch graph build --filter='...ui'   # what building ui's dependents needs", 'orch graph build --dot | dot -Tsvg > graph.svg', 'orch graph --mermaid', 'orch graph build --html graph.html'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const formats = ['json', 'dot', 'mermaid', 'html'].filter((f) => values[f] !== undefined && values[f] !== false);
    if (formats.length > 1) throw new OrchError('usage', `choose one output format, not ${formats.map((f) => `--${f}`).join(' and ')}`);
    const workspace = await openWorkspace(io.cwd, undefined, { inspectOnly: true });
    const { graph, diagnostics } = workspace.graph();
    const ids = positionals.length > 0 ? dependencyClosure(graph, await filteredRoots(workspace, positionals, values, io)) : await filteredNodes(workspace, graph, values, io);
    // What makes the printed graph wrong stops it: config errors, and a cycle or an unknown
    // dependency among the tasks shown. A command's other problems do not change its edges.
    const stopsAll = stopsEveryCommand(workspace);
    const shown = { commands: ids, agents: new Set<string>(), files: new Set<string>() };
    const stopping = printProblems([...workspace.diagnostics, ...diagnostics], (d) => stopsAll(d) || (d.code.startsWith('graph/') && blocksRun(d, shown)), io);
    const order = graph.order.filter((id) => ids.has(id));
    if (typeof values.html === 'string') {
      const { root, stateDir } = workspace.config;
      const out = values.html === '' ? resolve(root, stateDir, 'graph.html') : resolve(io.cwd, values.html);
      const [{ graphReport }, { writeReport }, { TaskHistory }] = await Promise.all([import('../report/graphReport.js'), import('../report/writeReport.js'), pluginsModule()]);
      const nodes = order.map((id) => ({ id, dependencies: graph.nodes.get(id)!.dependencies.map((edge) => edge.to) }));
      const report = graphReport(nodes, new TaskHistory(resolve(root, stateDir)).readDurations(), { title: `orch graph ${positionals.join(' ')}`.trim(), orchVersion: ORCH_VERSION });
      const bytes = await writeReport(report, out, 'the graph page');
      io.stdout(terminalText(`graph of ${order.length} task${order.length === 1 ? '' : 's'}: ${relative(io.cwd, out) || out} (${Math.round(bytes / 1024)} KB)\n`));
    } else io.stdout(terminalText(render(graph, order, formats[0] ?? 'text')));
    return stopping > 0 ? ExitCode.usage : ExitCode.ok;
  },
};

/** The named tasks that --filter (or the package folder) keeps. */
async function filteredRoots(workspace: OpenWorkspace, names: readonly string[], values: Record<string, unknown>, io: CliIO): Promise<string[]> {
  const roots = await resolveRoots(workspace, names, io);
  await filterRoots(workspace, roots, values, io);
  return [...roots.keys()];
}

/** Without names: every task, or with --filter the selected packages' tasks and what they need. */
async function filteredNodes(workspace: OpenWorkspace, graph: TaskGraph, values: Record<string, unknown>, io: CliIO): Promise<Set<string>> {
  const packages = await filteredPackages(workspace, values.filter as string[] | undefined, io.cwd);
  if (!packages) return new Set(graph.nodes.keys());
  return dependencyClosure(graph, [...graph.nodes.values()].filter((node) => node.command.project !== undefined && packages.has(node.command.project)).map((node) => node.id));
}

function render(graph: TaskGraph, order: string[], format: string): string {
  return renderGraph(
    order.map((id) => ({ id, kind: graph.nodes.get(id)!.command.kind, dependencies: graph.nodes.get(id)!.dependencies.map((edge) => ({ to: edge.to, spec: edge.spec })) })),
    format,
  );
}

/** Nodes in dependency order, each with its edges, as text (`id  <- deps`), JSON, DOT or Mermaid. */
export function renderGraph(nodes: readonly { id: string; kind?: string; dependencies: readonly { to: string; spec?: string }[] }[], format: string): string {
  const order = nodes.map((node) => node.id);
  const edges = nodes.flatMap((node) => node.dependencies.map((edge) => ({ from: node.id, to: edge.to, ...(edge.spec ? { spec: edge.spec } : {}) })));
  switch (format) {
    case 'json':
      return `${JSON.stringify({ nodes: nodes.map(({ id, kind }) => ({ id, ...(kind ? { kind } : {}) })), edges, order }, null, 2)}\n`;
    case 'dot': {
      const lines = ['digraph orch {', '  rankdir=LR;', '  node [shape=box];'];
      for (const id of order) lines.push(`  ${JSON.stringify(id)};`);
      for (const edge of edges) lines.push(`  ${JSON.stringify(edge.from)} -> ${JSON.stringify(edge.to)};`);
      lines.push('}');
      return `${lines.join('\n')}\n`;
    }
    case 'mermaid': {
      const key = new Map(order.map((id, index) => [id, `n${index}`]));
      const lines = ['graph LR'];
      for (const id of order) lines.push(`  ${key.get(id)}["${id.replaceAll('"', '#quot;')}"]`);
      for (const edge of edges) lines.push(`  ${key.get(edge.from)} --> ${key.get(edge.to)}`);
      return `${lines.join('\n')}\n`;
    }
    default:
      return `${nodes.map((node) => (node.dependencies.length === 0 ? node.id : `${node.id}  <- ${node.dependencies.map((d) => d.to).join(', ')}`)).join('\n')}\n`;
  }
}
