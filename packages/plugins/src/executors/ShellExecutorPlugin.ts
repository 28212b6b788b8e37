import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { definePlugin, type Engine, type ExecutionResult, type Step, type TaskContext } from '@orch/engine';
import { superviseProcess, type SuperviseOptions } from '../process/superviseProcess.js';
import { shellQuote, taskDirectory, taskEnvironment } from './taskEnvironment.js';

const PLUGIN_NAME = 'orch:shell';

/** The shell executor's options: how its processes are supervised (`superviseProcess`). */
export type ShellExecutorOptions = SuperviseOptions;

/**
 * The `shell` executor: runs a task's steps in order with `sh -c`, each step a checkpoint.
 * Package scripts run directly, not through a package manager (which costs ~0.6 s a task),
 * with the environment `npm run` would give them; arguments after `--` are appended to the
 * script as npm does, and are `"$@"` in markdown and config steps. Each child leads its own
 * process group, so a timeout or Ctrl-C ends everything it started, and a step ends when its
 * process exits, with nothing it started left running (`superviseProcess`).
 */
export function shellExecutorPlugin(options: ShellExecutorOptions = {}) {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.execute.for('shell').tapPromise(PLUGIN_NAME, async (task) => {
        const started = performance.now();
        const cwd = taskDirectory(task);
        const env = taskEnvironment(engine, task, cwd);
        const steps = task.command.steps.filter((step): step is Step & { run: string } => step.run !== undefined);
        // Steps before `fromStep` completed in an earlier attempt (resume, partial recovery).
        const first = Math.min(task.fromStep ?? 0, steps.length);
        for (const [index, step] of steps.entries()) {
          if (index < first) continue;
          const stepStarted = performance.now();
          const line = task.command.kind === 'script' && step.name === task.command.target && task.args.length > 0 ? `${step.run} ${task.args.map(shellQuote).join(' ')}` : step.run;
          const result = await runStep(engine, task, line, cwd, env, options, task.command.kind === 'script' ? [] : task.args);
          const name = step.name ?? `step ${index + 1}`;
          engine.emit({ type: 'task-step', id: task.id, index, name, status: result.exitCode === 0 ? 'passed' : 'failed', durationMs: performance.now() - stepStarted });
          // The step is a checkpoint: durable before the next starts (the last one's is the stage's).
          const durable = result.exitCode !== 0 || index === steps.length - 1 || (await task.checkpoint());
          if (result.exitCode !== 0 || task.signal.aborted || !durable) {
            const stepLabel = steps.length > 1 ? `step ${index + 1}${step.name ? ` (${step.name})` : ''} ` : '';
            return {
              ...result,
              durationMs: performance.now() - started,
              failedStep: index,
              completedSteps: index,
              message: task.signal.aborted ? undefined : `${stepLabel}exited with code ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}`,
            } as ExecutionResult;
          }
        }
        return { exitCode: 0, durationMs: performance.now() - started, completedSteps: steps.length };
      });
    },
  });
}

/**
 * Runs one shell command line for a task (a fix-up, a compensation), in the task's folder with
 * its environment, its output going to the task's log.
 */
export function runShellLine(engine: Engine, task: TaskContext, line: string, options: SuperviseOptions = {}): Promise<{ exitCode: number; signal?: string }> {
  const cwd = taskDirectory(task);
  return runStep(engine, task, line, cwd, taskEnvironment(engine, task, cwd), options, []);
}

async function runStep(engine: Engine, task: TaskContext, line: string, cwd: string, env: Record<string, string>, options: SuperviseOptions, positional: readonly string[]): Promise<{ exitCode: number; signal?: string }> {
  if (task.signal.aborted) return { exitCode: 130, signal: 'SIGINT' };
  // A plain command line (words only, no shell syntax) is started directly: one process fewer.
  // Else `sh -c`, its `$0` the shell's own name, as npm and pnpm run a script: the shell's own
  // errors then read `sh: 1: fs: not found`, not as if orch had said them (session 25's tester).
  const words = positional.length === 0 ? plainWords(line) : undefined;
  const [file, args] = words ? [words[0]!, words.slice(1)] : ['/bin/sh', ['-c', line, 'sh', ...positional]];
  const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const { code, signal, error } = await superviseProcess(engine, task, child, options);
  if (error) {
    task.output('stderr', `${error.message}\n`);
    return { exitCode: 127 };
  }
  if (signal) return { exitCode: 128 + (constants.signals[signal] ?? 0), signal };
  // A shell reports a command killed by signal n as exit code 128 + n.
  const reported = code !== null && code > 128 && !words ? SIGNAL_NAMES.get(code - 128) : undefined;
  return reported ? { exitCode: code!, signal: reported } : { exitCode: code ?? 1 };
}

/** The words of a command line that needs no shell, or undefined when it uses shell syntax. */
export function plainWords(line: string): string[] | undefined {
  if (!/^[\w@%+=:,./ -]+$/.test(line)) return undefined;
  const words = line.trim().split(/ +/);
  // An assignment (`FOO=1 cmd`) needs the shell too.
  return words.length > 0 && !words[0]!.includes('=') ? words : undefined;
}

/** Signal numbers to names; the first name of an aliased number (SIGABRT, not SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).reverse().map(([name, number]) => [number, name]));
