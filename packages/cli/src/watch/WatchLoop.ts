import { ExitCode, isOrchError, type EngineOutput, type PlannedTask, type RunSummary } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { formatDiagnostic } from '../render/formatDiagnostic.js';
import { reportError } from '../render/reportError.js';
import { STOP_SIGNALS } from '../stopSignals.js';
import { FileWatcher } from './FileWatcher.js';
import { PersistentTasks } from './PersistentTasks.js';
import { runWatchedTasks } from './runWatchedTasks.js';
import { surveyWorkspace, type Survey, type WatchRequest } from './surveyWorkspace.js';
import { watchIgnore } from './watchIgnore.js';
import { openWatchSession, type WatchSession } from './watchSession.js';
import { watchPlan, type WatchRecord } from './watchPlan.js';
import { pluginsModule } from '../lazyModules.js';

/** A cycle that is running: the hashes it started from, and how to cancel each of its tasks. */
interface Cycle {
  hashes: ReadonlyMap<string, string>;
  cancel: ReadonlyMap<string, AbortController>;
  whole: AbortController;
}

/** Surveys taken for one cycle while files keep changing under them. */
const SURVEY_ATTEMPTS = 3;
/** At most this many names in a cycle's line; the rest are counted. */
const NAMES_SHOWN = 8;

/**
 * `orch watch`: runs the request once, then, for each burst of file changes, surveys the
 * workspace again (config and command files reloaded) and re-runs the tasks whose hashes
 * changed and what depends on them (`watchPlan`). A change during a cycle cancels the tasks of
 * the cycle it changes (they run again in the next one); the others go on. Persistent tasks are
 * kept by `PersistentTasks`. A survey that fails (a broken config) is reported, located, and
 * the watch goes on until a change fixes it. The first stop signal (Ctrl-C) ends every task and
 * returns 130; a second kills what is left at once.
 */
export class WatchLoop {
  private readonly records = new Map<string, WatchRecord>();
  private readonly persistent = new PersistentTasks();
  private readonly changed = new Set<string>();
  private cycle: Cycle | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  /** The last survey failed (a broken config, reported): the next that works says it loads again. */
  private broken = false;
  private watcher: FileWatcher | undefined;
  private session: WatchSession | undefined;
  /** The input files of the last survey's tasks: a change line names the changed ones among them and the new survey's. */
  private lastInputs = new Set<string>();
  /** The task hashes of the last survey: a held task whose hash moved is named as waiting. */
  private lastHashes: ReadonlyMap<string, string> = new Map();
  /** `io` without output: a survey taken mid-run to find what changed prints nothing. */
  private readonly quietIo: CliIO;

  constructor(
    private readonly request: WatchRequest,
    private readonly io: CliIO,
    private readonly output: EngineOutput,
  ) {
    this.quietIo = { ...io, stdout: () => {}, stderr: () => {} };
  }

  /** Watches until a stop signal; returns the exit code (130). A first survey that fails throws, as `orch run` does. */
  async run(): Promise<number> {
    let survey: Survey | undefined = await surveyWorkspace(this.request, this.io, this.output);
    try {
      this.session = await openWatchSession(survey, this.request, this.io);
    } catch (error) {
      await survey.workspace.engine.close();
      throw error;
    }
    const watcher = (this.watcher = new FileWatcher(survey.workspace.config.root, watchIgnore(survey.workspace), (files) => this.onChange(files), (error) => this.say(`file watching failed: ${error.message}`)));
    const onSignal = (): void => this.stop();
    try {
      await watcher.start();
      for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
      let idle = false;
      while (!this.stopped) {
        const files = [...this.changed].sort();
        this.changed.clear();
        const broken = this.broken;
        survey ??= await this.survey();
        this.broken = survey === undefined;
        // The first survey to work after one that failed says so, even when nothing is to run again (session 25's tester).
        if (broken && survey) this.say(`the workspace loads again (${names(files)} changed)`);
        // A survey that failed said so: that too is news, after which the watch waits again.
        if (!survey || (await this.runCycle(survey, files)) || broken) idle = false;
        survey = undefined;
        if (this.stopped || this.changed.size > 0) continue;
        // Said once when all is done: not after a cycle whose own writes are still to be looked at.
        if (!idle) this.say('waiting for changes (Ctrl-C to stop)');
        idle = true;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      await watcher.close();
      await this.persistent.close();
      await this.session.close();
    }
    return ExitCode.interrupted;
  }

  /**
   * One cycle: says what changed and what re-runs, runs it, then (re)starts the persistent
   * tasks that are due. A change that moves no task's hash (a file no task reads) is quiet.
   * Returns whether anything ran.
   */
  private async runCycle(survey: Survey, files: readonly string[]): Promise<boolean> {
    const { registry } = survey.workspace;
    // A reloaded config may declare other outputs.
    if (this.watcher) this.watcher.ignore = watchIgnore(survey.workspace);
    const { tasks: plan, held } = watchPlan(survey, this.records, (id) => registry.commands.get(id)?.metadata.persistent === true);
    // A change that reaches a task held back by a failed dependency says so (FINDINGS-15, 16).
    const waiting = [...held].filter(([id]) => this.lastHashes.has(id) && this.lastHashes.get(id) !== survey.hashes.get(id));
    const quiet = plan.length === 0 && waiting.length === 0 && this.persistent.due(survey, this.records).length === 0;
    // Persistent tasks say themselves when they (re)start.
    const parts = [...(plan.length > 0 ? [`re-running ${names(plan.map((task) => task.id))}`] : []), ...waitLines(waiting)];
    if (files.length > 0 && !quiet) this.say([`${this.describe(files, survey)} changed`, ...parts].join('; '));
    this.lastInputs = survey.inputs;
    this.lastHashes = survey.hashes;
    let engineInUse = false;
    try {
      if (plan.length > 0) this.record(survey, await this.runPlan(survey, plan));
      if (!this.stopped) engineInUse = await this.persistent.update(survey, this.records, { args: this.request.args, session: this.session?.info }, this.io);
    } catch (error) {
      this.report(error);
    } finally {
      if (!engineInUse) await survey.workspace.engine.close();
    }
    return !quiet;
  }

  private async runPlan(survey: Survey, plan: readonly PlannedTask[]): Promise<RunSummary> {
    const cancel = new Map(plan.map((task) => [task.id, new AbortController()]));
    const cycle: Cycle = { hashes: survey.hashes, cancel, whole: new AbortController() };
    this.cycle = cycle;
    try {
      if (this.stopped) cycle.whole.abort();
      return await runWatchedTasks(survey, plan, { args: this.request.args, session: this.session?.info, signal: cycle.whole.signal, taskSignals: new Map([...cancel].map(([id, c]) => [id, c.signal])) }, this.io);
    } finally {
      this.cycle = undefined;
    }
  }

  /** Each task that ended keeps the hash it ran with; one cancelled or not started runs in the next cycle. */
  private record(survey: Survey, summary: RunSummary): void {
    for (const outcome of summary.tasks) {
      if (outcome.status === 'succeeded' || outcome.status === 'failed') this.records.set(outcome.id, { hash: survey.hashes.get(outcome.id)!, status: outcome.status });
      else this.records.delete(outcome.id);
    }
  }

  private onChange(files: readonly string[]): void {
    for (const file of files) this.changed.add(file);
    if (this.cycle) void this.cancelChanged(this.cycle, files);
    else this.wake?.();
  }

  /** Mid-run: cancels the cycle's tasks whose hashes the change moved (what depends on them with them: their hashes hold theirs). */
  private async cancelChanged(cycle: Cycle, files: readonly string[]): Promise<void> {
    let survey: Survey;
    try {
      survey = await surveyWorkspace(this.request, this.quietIo, { ...this.output, reporter: 'silent' });
    } catch {
      // A broken config: the next cycle's survey says so, located.
      return;
    }
    await survey.workspace.engine.close();
    if (this.cycle !== cycle) return;
    const changed = [...cycle.cancel].filter(([id, controller]) => !controller.signal.aborted && survey.hashes.get(id) !== cycle.hashes.get(id));
    if (changed.length === 0) return;
    this.say(`${this.describe([...files, ...this.changed], survey)} changed during the run; restarting ${names(changed.map(([id]) => id))}`);
    for (const [, controller] of changed) controller.abort(new Error('its inputs changed'));
  }

  /**
   * Surveys the workspace for a cycle; a file event during the survey means it may have read a
   * command file before a save and hashed it after, so it is taken again (a few times at most).
   * A failure (a broken config) is reported, located; undefined then.
   */
  /**
   * The changed files a line names: those handed on and those of the burst still gathering (a
   * survey may have read a save whose event is not handed on yet), input files only, unless no
   * input changed (a config or command file, a deletion), then all of them.
   */
  private describe(files: readonly string[], survey: Survey): string {
    const seen = [...new Set([...files, ...(this.watcher?.pending ?? [])])].sort();
    const named = seen.filter((file) => survey.inputs.has(file) || this.lastInputs.has(file));
    return names(named.length > 0 ? named : seen);
  }

  private async survey(): Promise<Survey | undefined> {
    try {
      for (let attempt = 1; ; attempt++) {
        const before = this.watcher?.generation;
        const survey = await surveyWorkspace(this.request, this.io, this.output);
        if (this.watcher?.generation === before || attempt === SURVEY_ATTEMPTS) return survey;
        await survey.workspace.engine.close();
      }
    } catch (error) {
      this.report(error);
      this.say('nothing was run: fix the problem above and save; still watching');
      return undefined;
    }
  }

  private stop(): void {
    if (this.stopped) {
      void pluginsModule().then(({ killAllChildren }) => killAllChildren());
      return;
    }
    this.stopped = true;
    this.say('stopping every task (Ctrl-C again to kill them now)');
    this.cycle?.whole.abort(new Error('SIGINT'));
    void this.persistent.close();
    this.wake?.();
  }

  /**
   * A located error is reported by its diagnostics alone: the message under them repeats one
   * (`could not load …: syntax error`) or counts them, and the watch's own line says what to do
   * (FINDINGS-15, 17i).
   */
  private report(error: unknown): void {
    if (isOrchError(error) && error.diagnostics.length > 0) {
      for (const diagnostic of error.diagnostics) this.io.stderr(formatDiagnostic(diagnostic, this.io));
      return;
    }
    try {
      reportError(error, this.io);
    } catch {
      this.io.stderr(`orch: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  private say(text: string): void {
    this.io.stderr(`orch: watch: ${text}\n`);
  }
}

/** `web#build waits for lib#build, which failed: it runs once that is fixed`, one part per failed task. */
function waitLines(waiting: readonly (readonly [string, string])[]): string[] {
  const byFailed = new Map<string, string[]>();
  for (const [id, failed] of waiting) byFailed.set(failed, [...(byFailed.get(failed) ?? []), id]);
  return [...byFailed].map(([failed, ids]) => `${names(ids)} ${ids.length === 1 ? 'waits' : 'wait'} for ${failed}, which failed: ${ids.length === 1 ? 'it runs' : 'they run'} once that is fixed`);
}

/** `a, b, c and 4 more`. */
function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).join(', ');
  return list.length > NAMES_SHOWN ? `${shown} and ${list.length - NAMES_SHOWN} more` : shown;
}
