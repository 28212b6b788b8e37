import { didYouMean, ExitCode, OrchError, planRun, terminalJson, terminalText, type ResolvedConfig } from '@orch/engine';
import type { ChangeSet } from '@orch/plugins/inspect';
import type { CliCommand } from '../CliCommand.js';
import { filteredPackages } from '../filteredPackages.js';
import { openWorkspace } from '../openWorkspace.js';
import { orchFolders } from '../orchFolders.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { printProblems } from '../render/printDiagnostics.js';
import { runnableGraph } from '../runnableGraph.js';
import { stopsEveryCommand } from '../runScope.js';
import { runSession } from '../runSession.js';
import { renderGraph } from './graph.js';
import { runOptionSpecs, runRequest, runSettings } from '../runOptions.js';
import { engineOutput } from './run.js';
import { inspectModule } from '../lazyModules.js';

export const affectedCommand: CliCommand = {
  name: 'affected',
  usage: 'orch affected [-t <targets>] [options] [-- args]',
  description:
    'Runs the targets only for the projects and commands a git change touches, and their dependents: files changed between the merge-base of --base (config defaultBase, else main; ORCH_BASE) and --head (HEAD; ORCH_HEAD), plus uncommitted and untracked files unless --committed-only. --list says which and why without running anything. As `turbo run --affected` or `nx affected -t`.',
  options: {
    target: { type: 'string', short: 't', multiple: true, valueName: 'targets', names: 'targets', description: 'the targets to run where the change reaches (comma-separated or repeated)', default: 'none: what --list prints', example: '-t lint,test,build' },
    base: { type: 'string', valueName: 'ref', description: 'changes since the merge-base with this ref', default: "ORCH_BASE, else the config's defaultBase, else main" },
    head: { type: 'string', valueName: 'ref', description: 'changes up to this ref', default: 'ORCH_HEAD, else HEAD' },
    files: { type: 'string', multiple: true, valueName: 'files', description: 'take these files as the change instead of asking git (comma-separated or repeated)' },
    'committed-only': { type: 'boolean', description: 'leave out uncommitted and untracked files' },
    list: { type: 'boolean', description: 'print what is affected and why; run nothing' },
    graph: { type: 'string', values: ['text', 'json', 'dot', 'mermaid'], bare: 'text', description: 'print the tasks that would run as a graph; run nothing', example: '--graph or --graph=mermaid' },
    ...runOptionSpecs(['json', 'filter', 'projects', 'exclude', 'concurrency', 'continue', 'reporter', 'cache', 'env-mode', 'framework-inference', 'dry-run', 'force', 'summarize', 'profile', 'output-logs', 'log-order', 'log-level', 'verbose']),
  },
  examples: [
    'orch affected -t lint,test,build --base origin/main   # in CI',
    'orch affected --list                                 # affected projects and commands, and why',
    'orch affected --list --json',
    'orch affected -t test --graph                        # the tasks that would run, as a graph (--graph=dot|mermaid|json)',
    'orch affected -t build --files packages/ui/src/button.ts',
    "orch affected -t test --projects 'app-*' --exclude tag:e2e",
    "orch affected -t build --filter='./apps/*'            # only the affected apps",
  ],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    if (positionals.length > 0) throw new OrchError('usage', `unexpected '${positionals[0]}'`, { hint: `name targets with -t: orch affected -t ${positionals.join(',')}` });
    const targets = ((values.target as string[] | undefined) ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
    const graphFormat = values.graph as string | undefined;
    const listing = values.list === true || graphFormat !== undefined || targets.length === 0;

    const files = ((values.files as string[] | undefined) ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
    const head = (values.head as string | undefined) ?? process.env.ORCH_HEAD ?? 'HEAD';
    let base = '';
    // git is asked for the change while the workspace is discovered: both take a while at 500 packages.
    let asked: Promise<ChangeSet> | undefined;
    // Imported once: in the daemon each import() is resolved through its module hook's thread.
    let inspect: Promise<typeof import('@orch/plugins/inspect')> | undefined;
    const askGit = (config: ResolvedConfig): void => {
      base = (values.base as string | undefined) ?? process.env.ORCH_BASE ?? config.defaultBase;
      const exclude = orchFolders(config);
      inspect = inspectModule();
      asked = inspect.then(({ changedFiles }) => changedFiles({ root: config.root, base, head, exclude, committedOnly: values['committed-only'] === true, ...(values.files ? { files } : {}) }));
      // Awaited below once discovery is done; a discovery that fails first must not leave it unhandled.
      asked.catch(() => undefined);
    };
    const workspace = await (listing ? openWorkspace(io.cwd, undefined, { inspectOnly: true, whileDiscovering: askGit }) : openWorkspace(io.cwd, engineOutput(io, values), { whileDiscovering: askGit }));
    const { config, registry } = workspace;
    // Built when something needs it: a listing of package scripts alone does not (4 ms at 500 packages).
    const taskGraph = () => workspace.graph().graph;
    // Only config errors stop it here; a run of the affected tasks is checked like `orch run`.
    if (listing && printProblems(workspace.diagnostics, stopsEveryCommand(workspace), io) > 0) return ExitCode.usage;

    const { computeAffected, projectFilter } = await inspect!;
    const changes = await asked!;
    const affected = await computeAffected({ root: config.root, registry, graph: taskGraph, changes, globalInputs: config.globalInputs, ...(config.configFile ? { configFile: config.configFile } : {}) });
    for (const warning of affected.warnings) io.stderr(`warning: ${warning}\n`);

    // --filter and --projects/--exclude narrow what is affected.
    const keep = projectFilter(registry, { projects: values.projects as string[] | undefined, exclude: values.exclude as string[] | undefined });
    const packages = await filteredPackages(workspace, values.filter as string[] | undefined, io.cwd);
    for (const name of [...affected.projects.keys()]) if ((keep && !keep.keepProject(name)) || (packages && !packages.has(name))) affected.projects.delete(name);
    if (keep) for (const id of [...affected.commands.keys()]) if (!keep.keepTask(id)) affected.commands.delete(id);

    // The tasks: each target in every affected project that has it; a target that names a command runs it if affected.
    const tasks = new Map<string, string>();
    for (const target of targets) {
      let known = false;
      for (const command of registry.commands.values()) {
        if (command.kind === 'script' && command.target === target) {
          known = true;
          if (affected.projects.has(command.project!)) tasks.set(command.id, target);
        } else if (command.kind !== 'script' && command.id === target) {
          known = true;
          if (affected.commands.has(command.id)) tasks.set(command.id, target);
        }
      }
      if (!known) {
        const names = [...new Set([...registry.commands.values()].map((c) => (c.kind === 'script' ? c.target! : c.id)))];
        throw new OrchError('usage', `no package has a '${target}' script and no command is named '${target}'`, { hint: didYouMean(target, names) ?? '`orch list` shows what there is' });
      }
    }

    const summary = changes.files.length === 0 ? 'no files changed' : `${changes.files.length} file${changes.files.length === 1 ? '' : 's'} changed`;
    const range = changes.mergeBase ? ` since ${base} (merge-base ${changes.mergeBase.slice(0, 10)})${values['committed-only'] ? ` up to ${head}` : ` up to ${head} and the worktree`}` : ' (given with --files)';
    if (graphFormat) {
      const graph = taskGraph();
      const nodes =
        targets.length > 0
          ? graph.order.filter((id) => tasks.has(id)).map((id) => ({ id, kind: registry.commands.get(id)!.kind, dependencies: graph.nodes.get(id)!.dependencies.filter((e) => tasks.has(e.to)).map((e) => ({ to: e.to })) }))
          : [
              ...[...affected.projects.keys()].map((name) => ({ id: name, kind: 'project', dependencies: registry.projects.get(name)!.dependencies.filter((d) => affected.projects.has(d)).map((to) => ({ to })) })),
              ...[...affected.commands.keys()].map((id) => ({ id, kind: registry.commands.get(id)!.kind, dependencies: (graph.nodes.get(id)?.dependencies ?? []).filter((e) => affected.commands.has(e.to)).map((e) => ({ to: e.to })) })),
            ];
      io.stdout(terminalText(renderGraph(nodes, graphFormat)));
      return ExitCode.ok;
    }
    if (listing) {
      if (values.json) {
        const reasons = (map: Map<string, string[]>) => [...map].map(([name, why]) => ({ name, reasons: why }));
        io.stdout(
          `${terminalJson(
            {
              base: changes.base ?? null,
              head: changes.head ?? null,
              mergeBase: changes.mergeBase ?? null,
              files: changes.files,
              projects: [...affected.projects].map(([name, why]) => ({ name, root: registry.projects.get(name)!.root, reasons: why })),
              commands: reasons(affected.commands),
              outside: affected.outside,
              outputs: affected.outputs,
              ...(targets.length > 0 ? { tasks: [...tasks.keys()] } : {}),
            },
          )}\n`,
        );
        return ExitCode.ok;
      }
      const lines = [`orch: ${summary}${range}`];
      const section = (title: string, map: Map<string, string[]>) => {
        if (map.size === 0) return;
        const width = Math.min(40, Math.max(...[...map.keys()].map((k) => k.length)));
        lines.push(`${title} (${map.size}):`);
        for (const [name, why] of map) lines.push(`  ${name.padEnd(width)}  ${why[0]}${why.length > 1 ? ` (+${why.length - 1} more)` : ''}`);
      };
      section('affected projects', affected.projects);
      section('affected commands', affected.commands);
      if (affected.projects.size === 0 && affected.commands.size === 0) lines.push('nothing is affected');
      const some = (paths: readonly string[]) => `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, and ${paths.length - 5} more` : ''}`;
      if (affected.outside.length > 0) lines.push(`outside every project (affect nothing): ${some(affected.outside)}`);
      if (affected.outputs.length > 0) lines.push(`declared outputs of their package's tasks (not changes): ${some(affected.outputs)}`);
      if (targets.length > 0) lines.push(`tasks to run (${tasks.size}): ${[...tasks.keys()].join(', ') || 'none'}`);
      // Each line escaped whole: a file name may hold a line break (README: control characters escaped).
      io.stdout(`${lines.map((line) => terminalText(line, { oneLine: true })).join('\n')}\n`);
      return ExitCode.ok;
    }

    if (tasks.size === 0) {
      io.stderr(`orch: ${summary}${range}; no ${targets.join(', ')} task is affected, nothing to run\n`);
      return ExitCode.ok;
    }
    const settings = runSettings(values, config);
    await runnableGraph(workspace, [...tasks.keys()], { only: false }, io);
    const graph = taskGraph();
    const plan = planRun(graph, tasks, { only: false });
    if (values['dry-run']) {
      const why = (id: string) => {
        const project = registry.commands.get(id)!.project;
        return (project ? affected.projects.get(project) : affected.commands.get(id))?.[0];
      };
      io.stdout(`${plan.map((task, i) => terminalText(`${String(i + 1).padStart(4)}. ${task.id} (${tasks.has(task.id) ? `affected: ${why(task.id)}` : 'a dependency'})`, { oneLine: true })).join('\n')}\n`);
      return ExitCode.ok;
    }
    io.stderr(`orch: ${summary}${range}; ${tasks.size} affected task${tasks.size === 1 ? '' : 's'}\n`);
    return runSession(
      {
        workspace,
        graph,
        plan,
        roots: tasks,
        args: passthrough,
        ...settings,
        // Resume runs the same tasks, whatever has changed since.
        request: runRequest([...tasks.keys()], passthrough, values, settings, config),
        argv: ['affected', ...argv],
        summarize: values.summarize as string | undefined,
        profile: values.profile as string | undefined,
      },
      io,
    );
  },
};
