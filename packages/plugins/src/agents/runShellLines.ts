import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { OrchError, type CommandDefinition, type Engine } from '@orch/engine';
import { taskEnvironment } from '../executors/taskEnvironment.js';
import { superviseProcess } from '../process/superviseProcess.js';
import { checkPrompt, promptPlace, shellLines, type ShellLine } from './promptDiagnostics.js';

/** The output of each `` !`cmd` `` line of a prompt, in the order they are written (trailing newlines dropped). */
export type ShellOutputs = readonly string[];

/**
 * How long one `` !`cmd` `` line may run unless the command declares `timeout` (2 minutes, the
 * default time limit of Claude Code's Bash tool). Past it the line's process group is stopped
 * and the prompt fails.
 */
export const SHELL_LINE_TIMEOUT_MS = 120_000;
/** The most output one line may print (bytes): past it the prompt fails instead of filling memory. */
export const SHELL_LINE_OUTPUT_LIMIT = 16 * 1024 * 1024;

export interface ShellLineOptions {
  /** The folder lines run in (the repository root). */
  root: string;
  /** Their environment (the task's). Default: orch's own. */
  env?: Record<string, string>;
  /** Stops them (Ctrl-C, the task's time limit). */
  signal?: AbortSignal;
  /** Where the supervision of their processes reports (`task-process` events, warnings). Default: nowhere. */
  emit?: Engine['emit'];
  /** Whose processes they are, in those events. Default: the command's id. */
  taskId?: string;
}

/**
 * Runs a prompt's `` !`cmd` `` lines, all at once, each with `sh -c` as the leader of its own
 * process group under `superviseProcess` (the supervision of task steps): Ctrl-C, the task's
 * time limit or the line's own (`timeout` in front matter, else `SHELL_LINE_TIMEOUT_MS`) stop
 * the whole group, and nothing a line started is left running. A line that fails, or is
 * stopped, fails the prompt once every line has ended. Refuses before running anything if a line
 * is not permitted or the body holds a NUL (`checkPrompt`).
 */
export async function runShellLines(command: CommandDefinition, options: ShellLineOptions): Promise<ShellOutputs> {
  checkPrompt(command);
  const lines = shellLines(command);
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  const limitMs = command.metadata.timeout ?? SHELL_LINE_TIMEOUT_MS;
  const settled = await Promise.allSettled(
    lines.map(async (line) => {
      try {
        return await runLine(command, line, options, signal, limitMs);
      } catch (error) {
        failed.abort();
        throw error;
      }
    }),
  );
  // The first line that failed on its own, not one stopped because another had failed.
  const rejected = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => result.reason as Error);
  if (rejected.length > 0) throw rejected.find((error) => !(error as { stoppedByOther?: boolean }).stoppedByOther) ?? rejected[0];
  return settled.map((result) => (result as PromiseFulfilledResult<string>).value);
}

/**
 * Runs any command's lines as its task would: in the root, with the environment its task gets
 * (`taskEnvironment`). For a dependency `--only` checks, `orch explain` and `orch show --render
 * --exec`; a task of a run uses its own (`taskHasherFor`), which also has its signal.
 */
export function commandShellLines(engine: Engine, options: Pick<ShellLineOptions, 'signal' | 'emit'> = {}): (command: CommandDefinition) => Promise<ShellOutputs> {
  const { root } = engine.config;
  return (command) => runShellLines(command, { root, env: taskEnvironment(engine, { id: command.id, command, root }, root), ...options });
}

async function runLine(command: CommandDefinition, line: ShellLine, options: ShellLineOptions, stop: AbortSignal, limitMs: number): Promise<string> {
  const fail = (why: string, extra: { hint?: string; stoppedByOther?: boolean } = {}): never => {
    const error = new OrchError('prompt-invalid', `${promptPlace(command, line.offset, options.root)}: !\`${line.command}\` ${why}`, extra.hint ? { hint: extra.hint } : {});
    throw Object.assign(error, { stoppedByOther: extra.stoppedByOther === true });
  };
  if (stop.aborted) fail('was not run: the prompt was stopped', { stoppedByOther: true });
  const timer = AbortSignal.timeout(limitMs);
  const signal = AbortSignal.any([stop, timer]);
  const env = { ...(options.env ?? (process.env as Record<string, string>)), ...claudeVariables(command) };
  const child = spawn('/bin/sh', ['-c', line.command], { cwd: options.root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let bytes = 0;
  let stderr = '';
  let overflow = false;
  const output = (stream: 'stdout' | 'stderr', text: string): boolean => {
    if (stream === 'stderr') {
      if (stderr.length < 4096) stderr += text;
    } else if (!overflow) {
      stdout += text;
      bytes += Buffer.byteLength(text);
      if (bytes > SHELL_LINE_OUTPUT_LIMIT) {
        overflow = true;
        stdout = '';
        child.stdout.destroy();
      }
    }
    return true;
  };
  const end = await superviseProcess({ emit: options.emit ?? (() => undefined) }, { id: options.taskId ?? command.id, signal }, child, { output });
  if (end.error) fail(`could not be started: ${end.error.message}`);
  if (timer.aborted) fail(`did not finish within ${formatLimit(limitMs)}, the time limit of a !\`cmd\` line; it was stopped`, { hint: 'make it faster, or declare a longer `timeout` in the front matter' });
  if (stop.aborted) fail('was stopped', { stoppedByOther: !options.signal?.aborted });
  if (overflow) fail(`printed more than ${SHELL_LINE_OUTPUT_LIMIT / 1024 / 1024} MiB`);
  if (end.code !== 0) fail(`failed (${end.signal ? `killed by ${end.signal}` : `exit code ${end.code}`})${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`);
  const printed = stdout.trimEnd();
  if (printed.includes('\0')) fail('printed a NUL character, which cannot be given to an agent CLI');
  return printed;
}

/**
 * `${CLAUDE_SKILL_DIR}` (the command's folder) and `${CLAUDE_PLUGIN_ROOT}` (its plugin's root),
 * as variables of each line's environment: the shell expands them, as Claude Code substitutes
 * them in a skill's `` !`…` `` lines, so `` !`cat ${CLAUDE_SKILL_DIR}/data.txt` `` reads the file
 * bundled beside SKILL.md (findings R2 #15), with no text put into the line (a path holding
 * `;` or `$(…)` stays a path). `${CLAUDE_SESSION_ID}` is not given: a line's output is hashed,
 * and a per-session value would make every run a miss.
 */
function claudeVariables(command: CommandDefinition): Record<string, string> {
  const plugin = command.layout?.plugin?.root;
  return { CLAUDE_SKILL_DIR: dirname(command.location.file), ...(plugin ? { CLAUDE_PLUGIN_ROOT: plugin } : {}) };
}

function formatLimit(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
