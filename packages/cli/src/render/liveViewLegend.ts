/**
 * What the marks of a run's output mean, for `orch run --help` and docs/logs.md (issue 15,
 * part 4). The marks are drawn by the reporters in `@orch/plugins` (TtyReporterPlugin,
 * renderRun.ts); test/cli/outputLogs.test.ts checks each one listed here is one they print.
 */
export const LIVE_VIEW_LEGEND = [
  'The live view (a terminal; elsewhere the same lines without the footer):',
  '  ● web#build 3.2s              a running task, and how long it has run',
  '  ██████░░░░ 3/10               tasks finished, of all the run has',
  '  ✔ 2  ✖ 1  ↷ 0                 succeeded, failed, skipped or stopped so far',
  '  2 running · 5 queued          running now; waiting for a dependency or a free slot',
  'A line as each task ends:',
  '  ✔ web#build (cached local, 12ms, gates 5/5 · 3/3)',
  '                                succeeded; restored from the local (or remote) cache; of each gate stage',
  '                                that ran (quality gates · quality assurance gates), gates passed/total',
  '  ✖ failed at <stage>   ■ stopped (interrupted)   ↷ skipped (what it needs failed)',
  '  ⏸ awaits intervention (orch resume)   ↻ retried   ⟲ rolled back or compensated   ⚠ a gate warned',
].join('\n');
