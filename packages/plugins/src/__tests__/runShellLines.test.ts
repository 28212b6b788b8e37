import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandDefinition } from '@orch/engine';
import { describe, expect, it } from 'vitest';
import { alive } from '../../../../test/helpers/runOrch.js';
import { runShellLines } from '../agents/runShellLines.js';

function command(root: string, body: string, metadata: Partial<CommandDefinition['metadata']> = {}): CommandDefinition {
  return { id: 'sl', kind: 'markdown', source: 'test', location: { file: join(root, '.claude/commands/sl.md'), line: 1, column: 1 }, dependencies: [], metadata: { agents: [], extra: {}, allowedTools: ['Bash'], ...metadata }, steps: [], body, bodyLine: 4 };
}


/** Resolves once the file exists (the line has started its background process). */
async function appeared(file: string): Promise<number> {
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') await new Promise((resolve) => setTimeout(resolve, 20));
  return Number(readFileSync(file, 'utf8').trim());
}

describe('runShellLines: process groups under supervision (FINDINGS-12 #8)', () => {
  it('a line past its time limit is stopped, with what it started, and the prompt fails saying so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'orch-lines-'));
    // `timeout` in front matter is the line's limit (here 300 ms); the sleep is a background job of the line's group.
    const line = command(root, 'Wait: !`sleep 300 & echo $! > pid; wait`', { timeout: 300 });
    await expect(runShellLines(line, { root })).rejects.toThrow('.claude/commands/sl.md:4:7: sl: !`sleep 300 & echo $! > pid; wait` did not finish within 0.3 s, the time limit of a !`cmd` line; it was stopped');
    expect(alive(await appeared(join(root, 'pid')))).toBe(false);
  });

  it('an abort (Ctrl-C) stops every line and everything they started; nothing is left running', async () => {
    const root = mkdtempSync(join(tmpdir(), 'orch-lines-'));
    const controller = new AbortController();
    const running = runShellLines(command(root, 'A: !`sleep 300 & echo $! > a; wait` B: !`sleep 300 & echo $! > b; wait`'), { root, signal: controller.signal });
    const pids = await Promise.all([appeared(join(root, 'a')), appeared(join(root, 'b'))]);
    controller.abort();
    await expect(running).rejects.toThrow('was stopped');
    expect(pids.filter(alive)).toEqual([]);
  });

  it('one failing line stops the others, and the failure is the one reported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'orch-lines-'));
    const body = 'A: !`sleep 300 & echo $! > a; wait` B: !`while [ ! -s a ]; do sleep 0.02; done; echo broken >&2; exit 3`';
    await expect(runShellLines(command(root, body), { root })).rejects.toThrow('failed (exit code 3): broken');
    expect(alive(await appeared(join(root, 'a')))).toBe(false);
  });

  it('runs each line once, in the root, and returns their outputs in order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'orch-lines-'));
    const outputs = await runShellLines(command(root, 'A: !`pwd` B: !`echo b; echo >> count`'), { root });
    expect(outputs).toEqual([root, 'b']);
    expect(readFileSync(join(root, 'count'), 'utf8')).toBe('\n');
  });
});
