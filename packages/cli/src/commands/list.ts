import { relative } from 'node:path';
import { ExitCode, shadowedCommands, terminalJson, terminalText } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { printProblems } from '../render/printDiagnostics.js';
import { stopsEveryCommand } from '../runScope.js';

export const listCommand: CliCommand = {
  name: 'list',
  usage: 'orch list [options]',
  description:
    'Lists every command orch knows: markdown commands, package scripts (pkg#script), and config commands and workflows. Commands with `user-invocable: false` (hidden from the / menu by Claude Code) are listed with --all.',
  options: {
    json: { type: 'boolean', description: 'print the commands as a JSON array' },
    kind: { type: 'string', values: ['markdown', 'script', 'config', 'workflow'], description: 'only the commands of this kind', default: 'every kind', example: '--kind markdown' },
    all: { type: 'boolean', description: 'list the commands marked user-invocable: false too' },
  },
  examples: ['orch list', 'orch list --kind markdown', 'orch list --all          # with user-invocable: false commands', 'orch list --json | jq ".[].id"'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options, false);
    const workspace = await openWorkspace(io.cwd, undefined, { inspectOnly: true });
    // Only config errors stop a listing (it would list the defaults' commands instead of the config's).
    const stopping = printProblems(workspace.diagnostics, stopsEveryCommand(workspace), io);
    const commands = workspace.registry.sortedCommands().filter((c) => (values.kind === undefined || c.kind === values.kind) && (values.all === true || c.metadata.userInvocable !== false));
    const { config } = workspace;
    const shadowed = shadowedCommands(workspace.registry.commands, { defaultEntry: config.defaultEntry, resolution: config.resolution });
    if (values.json) {
      const rows = commands.map((c) => ({
        id: c.id,
        kind: c.kind,
        file: relative(workspace.config.root, c.location.file),
        description: c.metadata.description ?? null,
        dependencies: c.dependencies.map((d) => d.spec),
        ...(c.metadata.userInvocable === false ? { userInvocable: false } : {}),
        ...(c.project ? { project: c.project, target: c.target } : {}),
        ...(shadowed.has(c.id) ? { shadowedBy: shadowed.get(c.id) } : {}),
        ...(typedAs(c.id, shadowed) === c.id ? {} : { reachAs: typedAs(c.id, shadowed) }),
      }));
      io.stdout(`${terminalJson(rows)}\n`);
    } else {
      // Ids and descriptions are the files' text: control characters escaped, one line each.
      const shown = (text: string) => terminalText(text.replace(/\s+/g, ' '), { oneLine: true });
      const width = Math.min(40, Math.max(2, ...commands.map((c) => shown(c.id).length)));
      const columns = Number(process.env.COLUMNS) || process.stdout.columns || 120;
      for (const c of commands) {
        const entry = shadowed.get(c.id);
        // A file hidden by its folder's default entry says so first: `orch run <id>` runs the entry.
        const note = entry !== undefined ? `[shadowed by ${entry}: run it as ${typedAs(c.id, shadowed)}] ` : typedAs(c.id, shadowed) !== c.id ? `[run it as ${typedAs(c.id, shadowed)}] ` : '';
        const description = shown(`${note}${c.metadata.description ?? ''}`);
        const line = `${shown(c.id).padEnd(width)}  ${c.kind.padEnd(8)}  ${description}`;
        io.stdout(`${line.length > columns ? `${line.slice(0, columns - 1)}…` : line}\n`);
      }
      if (commands.length === 0) io.stderr('no commands found (looked in .claude/commands, workspace packages and the config)\n');
    }
    return stopping > 0 ? ExitCode.usage : ExitCode.ok;
  },
};

/**
 * What to type to run a listed command, when its id alone does not reach it: `deploy.md` for a
 * file its folder's default entry hides, `/-x` for an id that would be read as an option.
 */
function typedAs(id: string, shadowed: ReadonlyMap<string, string>): string {
  const name = shadowed.has(id) ? `${id}.md` : id;
  return name.startsWith('-') ? `/${name}` : name;
}
