import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ORCH_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface OrchRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `orch` binary as a real child process; a variable given as undefined is removed.
 * With `timeoutMs`, a run that takes longer is killed (code -1), so a test of something that must
 * not hang fails instead of hanging.
 */
export function runOrch(args: string[], cwd: string, env: Record<string, string | undefined> = {}, options: { timeoutMs?: number } = {}): OrchRun {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const result = spawnSync(process.execPath, [ORCH_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: merged,
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `orch` without waiting, for tests that signal it. */
export function startOrch(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawnChild(process.execPath, [ORCH_BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<OrchRun>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr })));
  return { child, exited, output: () => stdout + stderr };
}

/**
 * True while a process with this pid runs. A zombie (ended, not yet reaped: in containers whose
 * first process reaps nothing, orphans stay zombies) counts as gone.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * The live processes whose working folder is `dir` (Linux, from /proc): what a killed orch left
 * running there, including a child it had forked but that had not yet begun its own work.
 */
export function processesIn(dir: string): number[] {
  const real = realpathSync(dir);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === real && alive(pid);
      } catch {
        return false;
      }
    });
}

/** Waits until `check` is true, polling; fails after `ms`, saying `what` (a function: as it is then, such as the output so far). */
export async function waitFor(check: () => boolean, ms = 15_000, what: string | (() => string) = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
