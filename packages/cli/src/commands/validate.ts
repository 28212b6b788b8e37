import { dirname, relative } from 'node:path';
import { ExitCode, isOrchError, terminalJson, type Diagnostic } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { plural, printDiagnostics } from '../render/printDiagnostics.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'orch validate [options]',
  description:
    'Checks the config, every command definition and the task graph, and reports every problem at once with file, line and column. Exits 2 if there is any error. A config that cannot be loaded is reported, and the command files are then checked with the default settings.',
  options: { json: { type: 'boolean', description: 'print the report (counts and every diagnostic) as JSON' } },
  examples: ['orch validate', 'orch validate --json'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options, false);
    let opened: Awaited<ReturnType<typeof openDespiteConfig>>;
    try {
      opened = await openDespiteConfig(io);
    } catch (error) {
      // A config that cannot be read at all is still a report for --json readers, not only text on stderr.
      if (!values.json || !isOrchError(error) || error.diagnostics.length === 0) throw error;
      io.stdout(`${terminalJson({ commands: 0, agents: 0, projects: 0, errors: error.diagnostics.length, warnings: 0, diagnostics: error.diagnostics })}\n`);
      return ExitCode.usage;
    }
    const { workspace, configErrors, note } = opened;
    const diagnostics = [...configErrors, ...workspace.diagnostics, ...workspace.graph().diagnostics];
    const { registry } = workspace;
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (values.json) {
      const report = { commands: registry.commands.size, agents: registry.agents.size, projects: registry.projects.size, errors, warnings: diagnostics.length - errors, ...(note ? { configLoaded: false, note } : {}), diagnostics };
      io.stdout(`${terminalJson(report)}\n`);
      return errors > 0 ? ExitCode.usage : ExitCode.ok;
    }
    const counts = printDiagnostics(configErrors, io);
    if (note) io.stderr(`note: ${note}\n`);
    const rest = printDiagnostics(diagnostics.slice(configErrors.length), io);
    const [errorCount, warningCount] = [counts.errors + rest.errors, counts.warnings + rest.warnings];
    const found = `${plural(registry.commands.size, 'command')}, ${plural(registry.agents.size, 'agent')}, ${plural(registry.projects.size, 'project')}`;
    if (errorCount === 0) {
      io.stdout(`✔ ${found}: ${warningCount === 0 ? 'no problems' : plural(warningCount, 'warning')}\n`);
      return ExitCode.ok;
    }
    io.stdout(`✖ ${found}: ${plural(errorCount, 'error')}, ${plural(warningCount, 'warning')}\n`);
    return ExitCode.usage;
  },
};

/**
 * The workspace, even when its config cannot be loaded: then the config's errors, and the
 * command files found with the default settings, rooted where the config is, with a note that
 * says so (findings 12 #13: one bad file never hides the others' problems).
 */
async function openDespiteConfig(io: CliIO): Promise<{ workspace: OpenWorkspace; configErrors: readonly Diagnostic[]; note?: string }> {
  try {
    return { workspace: await openWorkspace(io.cwd, undefined, { inspectOnly: true }), configErrors: [] };
  } catch (error) {
    const named = isOrchError(error, 'config-load-failed') ? (error.details?.configFile ?? error.diagnostics[0]?.location?.file) : undefined;
    const file = typeof named === 'string' ? named : undefined;
    if (!file || !isOrchError(error)) throw error;
    const workspace = await openWorkspace(io.cwd, undefined, { defaultsAt: dirname(file), inspectOnly: true });
    const note = `${relative(io.cwd, file) || file} could not be loaded: the command files were checked with the default settings (commandsDir .claude/commands, agentsDir .claude/agents, no config commands or targets)`;
    return { workspace, configErrors: error.diagnostics, note };
  }
}
