import { ExitCode, isOrchError } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { plural, printDiagnostics } from '../render/printDiagnostics.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'orch validate [options]',
  description:
    'Checks the config, every command definition and the task graph, and reports every problem at once with file, line and column. Exits 2 if there is any error.',
  options: { json: { type: 'boolean', description: 'print the report (counts and every diagnostic) as JSON' } },
  examples: ['orch validate', 'orch validate --json'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options, false);
    let workspace: OpenWorkspace;
    try {
      workspace = await openWorkspace(io.cwd);
    } catch (error) {
      // A config that cannot load is still a report for --json readers, not only text on stderr.
      if (!values.json || !isOrchError(error) || error.diagnostics.length === 0) throw error;
      io.stdout(`${JSON.stringify({ commands: 0, agents: 0, projects: 0, errors: error.diagnostics.length, warnings: 0, diagnostics: error.diagnostics }, null, 2)}\n`);
      return ExitCode.usage;
    }
    const diagnostics = [...workspace.diagnostics, ...workspace.graph().diagnostics];
    const { registry } = workspace;
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (values.json) {
      io.stdout(`${JSON.stringify({ commands: registry.commands.size, agents: registry.agents.size, projects: registry.projects.size, errors, warnings: diagnostics.length - errors, diagnostics }, null, 2)}\n`);
      return errors > 0 ? ExitCode.usage : ExitCode.ok;
    }
    const counts = printDiagnostics(diagnostics, io);
    const found = `${plural(registry.commands.size, 'command')}, ${plural(registry.agents.size, 'agent')}, ${plural(registry.projects.size, 'project')}`;
    if (counts.errors === 0) {
      io.stdout(`✔ ${found}: ${counts.warnings === 0 ? 'no problems' : plural(counts.warnings, 'warning')}\n`);
      return ExitCode.ok;
    }
    io.stdout(`✖ ${found}: ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}\n`);
    return ExitCode.usage;
  },
};
