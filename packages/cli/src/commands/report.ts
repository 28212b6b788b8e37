import { relative, resolve } from 'node:path';
import { ExitCode, ORCH_VERSION, OrchError, terminalText } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { sessionArgument } from '../sessionArgument.js';
import { pluginsModule } from '../lazyModules.js';

export const reportCommand: CliCommand = {
  name: 'report',
  usage: 'orch report [<session>|--last] [--out <file>]',
  description:
    "Writes one self-contained HTML file about a session's run (the newest by default): the task graph, laid out and zoomable, each task coloured by its outcome and the critical path marked; a timeline of the run; per task its hash, cache outcome, gate verdicts, duration and the last lines of its log; search by task name. It opens offline in any browser.",
  options: {
    last: { type: 'boolean', description: 'the newest session (the default when none is named)' },
    out: { type: 'string', valueName: 'file', description: 'where to write it', default: '.orch/reports/<session>.html', example: '--out report.html' },
  },
  examples: ['orch report', 'orch report 20261124-101500-a1b2 --out report.html', 'orch report --last && xdg-open .orch/reports/*.html'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const named = sessionArgument('report', positionals, values.last === true);
    const workspace = await openWorkspace(io.cwd);
    const { root, stateDir } = workspace.config;
    const { SessionStore, readLog } = await pluginsModule();
    const store = new SessionStore(resolve(root, stateDir));
    const session = named !== undefined ? store.load(named) : store.latest();
    if (!session) throw new OrchError('session-not-found', 'there are no sessions to report on yet', { hint: 'every `orch run` starts one; then `orch report`' });
    const id = session.state.id;

    const [{ runReportFromEvents }, { addTaskDetails }, { writeReport }] = await Promise.all([import('../report/RunReport.js'), import('../report/taskDetails.js'), import('../report/writeReport.js')]);
    const report = runReportFromEvents(readLog(store.logPath(id)).events, { id, status: session.state.status, orchVersion: ORCH_VERSION });
    await addTaskDetails(report, { root, stateDir, session: id });
    const out = typeof values.out === 'string' ? resolve(io.cwd, values.out) : resolve(root, stateDir, 'reports', `${id}.html`);
    const bytes = await writeReport(report, out);
    io.stdout(terminalText(`report of session ${id} (${report.tasks.length} task${report.tasks.length === 1 ? '' : 's'}, ${session.state.status}): ${relative(io.cwd, out) || out} (${Math.round(bytes / 1024)} KB)\n`));
    return ExitCode.ok;
  },
};
