import { resolve } from 'node:path';
import { ExitCode, ORCH_VERSION, parseDuration, terminalJson, terminalText } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';

/** Sessions whose critical path is shown. */
const LATEST_RUNS = 3;

export const metricsCommand: CliCommand = {
  name: 'metrics',
  usage: 'orch metrics [--since <age>] [--json]',
  description:
    "Summarises the execution metrics orch keeps (.orch/metrics/execution-YYYYMMDD.jsonl): per task its p50 and p95 duration when it ran, cache hit rate, failures, peak memory and CPU time; the flaky tasks (failed, then passed with the same hash); the slowest tasks; and the critical path of the latest runs.",
  options: {
    since: { type: 'string', valueName: 'age', description: 'how far back', default: '7d', check: (value) => (parseDuration(value) === undefined ? 'a duration such as 7d, 12h or 30m' : undefined), example: '--since 24h' },
    json: { type: 'boolean', description: 'the summary as JSON' },
  },
  examples: ['orch metrics', 'orch metrics --since 24h', 'orch metrics --json | jq .flaky'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options);
    // A window longer than the clock's past is all of it (the epoch), not a date before year 0.
    const since = new Date(Math.max(0, Date.now() - parseDuration(values.since ?? '7d')!));
    const workspace = await openWorkspace(io.cwd);
    const stateDir = resolve(workspace.config.root, workspace.config.stateDir);
    const [{ readMetrics }, { summarizeMetrics }, { latestCriticalPaths }, { renderMetrics }] = await Promise.all([import('../metrics/readMetrics.js'), import('../metrics/summarizeMetrics.js'), import('../metrics/latestCriticalPaths.js'), import('../metrics/renderMetrics.js')]);
    const summary = { ...summarizeMetrics(readMetrics(stateDir, since), since), latestRuns: await latestCriticalPaths(stateDir, since, LATEST_RUNS, ORCH_VERSION) };
    io.stdout(values.json ? `${terminalJson(summary)}\n` : terminalText(renderMetrics(summary)));
    return ExitCode.ok;
  },
};
