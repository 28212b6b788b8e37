import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ORCH_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface OrchRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `orch` binary as a real child process. */
export function runOrch(args: string[], cwd: string, env: Record<string, string> = {}): OrchRun {
  const result = spawnSync(process.execPath, [ORCH_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
