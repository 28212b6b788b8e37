import { relative } from 'node:path';
import { blocksRun, dependencyClosure, ExitCode, OrchError, terminalJson, terminalText, touchesRun, type CommandDefinition, type Diagnostic, type OrchEvent, type TaskGraph } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { formatLocation } from '../render/formatDiagnostic.js';
import { printDiagnostics } from '../render/printDiagnostics.js';
import { resolveNames } from '../resolveNames.js';
import { runScope } from '../runScope.js';
import { whileStoppable } from '../stopSignals.js';
import { inspectModule } from '../lazyModules.js';

export const showCommand: CliCommand = {
  name: 'show',
  usage: 'orch show <command> [options] [-- args]',
  description: 'Shows one command: where it is defined, its metadata, what it depends on and what depends on it, and its prompt or steps; and on stderr its problems (the errors that would stop `orch run` of it, and its warnings) at file:line:col.',
  options: {
    json: { type: 'boolean', description: 'print the command as JSON' },
    render: { type: 'boolean', description: 'print the prompt an agent gets, with the arguments after --; !`cmd` lines are shown, not run' },
    exec: { type: 'boolean', description: 'with --render: run the !`cmd` lines that allowed-tools permits' },
  },
  operands: 'names',
  examples: [
    'orch show milestone/plan',
    'orch show review --render -- src/app.ts   # the prompt an agent gets; !`cmd` lines are shown, not run',
    'orch show review --render --exec -- src/app.ts   # the exact prompt: its !`cmd` lines run (each within its time limit)',
    'orch show milestone:plan',
    'orch show milestone.md   # the file, not the folder',
    'orch show web#build --json',
  ],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    if (values.exec && !values.render) throw new OrchError('usage', '--exec runs the !`cmd` lines of a rendered prompt: use it with --render', { hint: 'orch show <command> --render --exec' });
    if (positionals.length !== 1) throw new OrchError('usage', 'orch show takes one command name', { hint: 'e.g. orch show milestone/plan' });
    const workspace = await openWorkspace(io.cwd, undefined, { inspectOnly: true });
    const ids = await resolveNames(workspace, positionals, io);
    const { graph, diagnostics: graphDiagnostics } = workspace.graph();
    const problems = [...workspace.diagnostics, ...graphDiagnostics];
    for (const id of ids) printDiagnostics(await commandProblems(workspace, graph, problems, id), io);
    if (values.render) return renderPrompts(workspace, ids, passthrough, values.exec === true, io);
    for (const id of ids) {
      const command = workspace.registry.commands.get(id)!;
      const dependencies = graph.nodes.get(id)?.dependencies.map((edge) => edge.to) ?? [];
      const dependents = [...graph.nodes.values()].filter((node) => node.dependencies.some((edge) => edge.to === id)).map((node) => node.id).sort();
      if (values.json) {
        const { frontMatter, ...rest } = command;
        io.stdout(`${terminalJson({ ...rest, frontMatter: frontMatter?.data, resolvedDependencies: dependencies, dependents })}\n`);
      } else io.stdout(terminalText(describe(command, dependencies, dependents, workspace.config.root, io.cwd)));
    }
    return ExitCode.ok;
  },
};

/**
 * The prompts an agent gets. With `exec`, the `!`cmd`` lines run as a run would run them (the
 * task's environment, each line's time limit, process groups ended on Ctrl-C: exit 130).
 */
async function renderPrompts(workspace: OpenWorkspace, ids: readonly string[], args: readonly string[], exec: boolean, io: CliIO): Promise<number> {
  const { renderPrompt, commandShellLines } = await inspectModule();
  const { config, engine } = workspace;
  return whileStoppable(async (signal) => {
    const emit = (event: OrchEvent): void => {
      if (event.type === 'warning') io.stderr(`warning: ${event.message}\n`);
    };
    const run = commandShellLines(engine, { signal, emit });
    for (const id of ids) {
      const command = workspace.registry.commands.get(id)!;
      if (command.kind !== 'markdown') throw new OrchError('usage', `${id} is not a markdown command: it has no prompt to render`);
      try {
        const outputs = exec ? await run(command) : undefined;
        const rendered = await renderPrompt(command, { root: config.root, args, ...config.prompt, exec, ...(outputs ? { outputs } : {}) });
        for (const note of rendered.notes) io.stderr(`note: ${terminalText(note)}\n`);
        // The exact prompt for a pipe or a file; on a terminal, with its control characters escaped.
        io.stdout(`${process.stdout.isTTY ? terminalText(rendered.text) : rendered.text}\n`);
      } catch (error) {
        if (!signal.aborted) throw error;
        io.stderr('orch: interrupted; the !`cmd` lines were stopped\n');
        return ExitCode.interrupted;
      }
    }
    return ExitCode.ok;
  });
}

/**
 * What `orch show` says about a command's problems (issue 12 findings, #12): the errors that
 * would stop `orch run <id>` (its files, its dependencies', the agents they use, the config),
 * and every warning about the command itself, each at its file:line:col.
 */
async function commandProblems(workspace: OpenWorkspace, graph: TaskGraph, problems: readonly Diagnostic[], id: string): Promise<Diagnostic[]> {
  const [run, own] = await Promise.all([runScope(workspace, dependencyClosure(graph, [id])), runScope(workspace, new Set([id]))]);
  return problems.filter((diagnostic) => blocksRun(diagnostic, run) || (diagnostic.severity === 'warning' && touchesRun(diagnostic, own)));
}

function describe(command: CommandDefinition, dependencies: string[], dependents: string[], root: string, cwd: string): string {
  const m = command.metadata;
  const rows: [string, string | undefined][] = [
    ['file', formatLocation(command.location, cwd)],
    ['description', m.description === undefined ? undefined : m.descriptionFromBody ? `${m.description}  (the body's first line: no description in front matter)` : m.description],
    ['project', command.project ? `${command.project}` : undefined],
    ['complexity', m.complexity],
    ['agents', m.agents.length > 0 ? m.agents.join(', ') : undefined],
    ['allowed-tools', m.allowedTools === undefined ? undefined : m.allowedTools === 'all' ? 'all' : declared(m.allowedTools)],
    ['argument-hint', m.argumentHint],
    ['when_to_use', m.whenToUse],
    ['model', m.model],
    ['effort', m.effort === undefined ? undefined : String(m.effort)],
    ['disallowed-tools', declared(m.disallowedTools)],
    ['user-invocable', m.userInvocable === false ? 'false (not listed; runs by name or as a dependency)' : undefined],
    ['disable-model-invocation', m.disableModelInvocation === undefined ? undefined : String(m.disableModelInvocation)],
    ['hooks', m.hooks === undefined ? undefined : Object.keys(m.hooks).join(', ')],
    ['paths', declared(m.paths)],
    ['inputs', declared(m.inputs)],
    ['outputs', declared(m.outputs)],
    ['env', declared(m.env)],
    ['pass-through', declared(m.passThroughEnv)],
    ['env mode', m.envMode],
    ['timeout', m.timeout === undefined ? undefined : `${m.timeout} ms`],
    ['dependencies', dependencies.length > 0 ? dependencies.join(', ') : 'none'],
    ['dependents', dependents.length > 0 ? dependents.join(', ') : 'none'],
    ...Object.entries(m.extra).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  ];
  const out = [`${command.id}  (${command.kind}${command.kind === 'markdown' ? `, ${relative(root, command.location.file)}` : ''})`];
  for (const [label, value] of rows) if (value !== undefined) out.push(`  ${`${label}:`.padEnd(Math.max(15, label.length + 2))}${value}`);
  if (command.steps.length > 0) {
    out.push('  steps:');
    command.steps.forEach((step, index) => {
      const what = step.command !== undefined ? `command ${step.command}` : `$ ${step.run}`;
      out.push(`    ${index + 1}. ${step.name ? `${step.name}: ` : ''}${what}${step.compensate ? `   (compensate: $ ${step.compensate})` : ''}`);
    });
  }
  if (command.body !== undefined && command.body.trim() !== '') {
    out.push('  prompt:');
    for (const line of command.body.replace(/^\s*\n/, '').replace(/\s+$/, '').split('\n')) out.push(`    ${line}`);
  }
  return `${out.join('\n')}\n`;
}

/** A list the command declares, as `show` prints it: 'none' when declared empty (`env: []`), undefined when not declared. */
function declared(values: readonly string[] | undefined): string | undefined {
  return values === undefined ? undefined : values.length > 0 ? values.join(', ') : 'none';
}
