import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Findings R2 #11 and #13: what is on disk where orch expects something else (a folder named
// like a file, a file where a folder must be, a dangling link, a damaged record of its own) was
// an internal error (exit 70, a stack), a paused run (75), or a failed task.

const CONFIG = { 'orchestrator.config.json': JSON.stringify({ commands: { a: { description: 'a', run: 'echo ran-a' } } }) };
const noStack = (stderr: string) => expect(stderr).not.toMatch(/internal error|^\s+at /m);

describe('orch init', () => {
  it('with a folder named orchestrator.config.ts, --force is a clear error (exit 2), not EISDIR', () => {
    const dir = tempRepo();
    mkdirSync(join(dir, 'orchestrator.config.ts'));
    const init = runOrch(['init', '--force'], dir);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain('orch: orchestrator.config.ts is a folder, not a file: nothing written');
    expect(init.stderr).toContain('hint: remove or rename it');
    noStack(init.stderr);
  });

  it('with .claude a dangling link, it says so and writes nothing (not even the config)', () => {
    const dir = tempRepo();
    symlinkSync(join(dir, 'nowhere'), join(dir, '.claude'));
    const init = runOrch(['init', '--force'], dir);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain(`orch: .claude is a symbolic link to ${join(dir, 'nowhere')}, which does not exist: nothing written`);
    expect(existsSync(join(dir, 'orchestrator.config.ts'))).toBe(false);
    noStack(init.stderr);
  });
});

describe('orch run with a state folder it cannot use', () => {
  it.each([
    ['.orch', '.orch is a file, not a folder: orch keeps its state (stateDir) there; nothing was run'],
    ['.orch/claims', '.orch/claims is a file, not a folder: orch keeps its task claims there; nothing was run'],
    ['.orch/metrics', '.orch/metrics is a file, not a folder: orch keeps its run metrics there; nothing was run'],
    ['.orch/sessions', '.orch/sessions is a file, not a folder: orch keeps its session logs there; nothing was run'],
  ])('%s a file is one clear error before any task runs (exit 2)', (path, message) => {
    const dir = tempRepo(CONFIG);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), 'x');
    const run = runOrch(['run', 'a'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`orch: ${message}`);
    expect(run.stderr).toContain('hint: remove or rename it (orch makes the folder again)');
    expect(run.stdout).not.toContain('ran-a');
    noStack(run.stderr);
  });

  it('a damaged durations.json is removed with a warning, the task succeeds, and the next run is clean', () => {
    const dir = tempRepo(CONFIG);
    mkdirSync(join(dir, '.orch'));
    writeFileSync(join(dir, '.orch/durations.json'), '{bad');
    const run = runOrch(['run', 'a'], dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain('.orch/durations.json: warning: .orch/durations.json was damaged (it does not parse');
    expect(JSON.parse(readFileSync(join(dir, '.orch/durations.json'), 'utf8'))).toHaveProperty('a');
    const again = runOrch(['run', 'a', '--force'], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('damaged');
  });
});
