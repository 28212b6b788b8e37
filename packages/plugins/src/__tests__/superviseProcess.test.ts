import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Engine, resolveConfig, type TaskContext } from '@orch/engine';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { superviseProcess } from '../process/superviseProcess.js';

describe('superviseProcess', () => {
  it("holds a task's pipes while orch's output is congested, and the output grace after its exit does not run out meanwhile", async () => {
    const engine = new Engine({ config: resolveConfig({}, tempRepo({}, { git: false })) });
    const warnings: string[] = [];
    engine.hooks.event.tap('test', (event) => {
      if (event.type === 'warning') warnings.push(event.message);
    });
    let open = false;
    let release = (): void => undefined;
    const drained = new Promise<void>((resolve) => (release = resolve));
    const received: string[] = [];
    const task = {
      id: 't',
      signal: new AbortController().signal,
      output: (_stream: 'stdout' | 'stderr', text: string) => {
        received.push(text);
        return open;
      },
      drained: () => drained,
    } as unknown as TaskContext;
    // A first write congests orch's output; the rest fits in the pipe, so the process exits while held.
    const child = spawn(process.execPath, ['-e', "process.stdout.write('a'.repeat(1000)); setTimeout(() => process.stdout.write('b'.repeat(30000) + 'END'), 200)"], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const ended = superviseProcess(engine, task, child, { outputGraceMs: 100 });
    await once(child, 'exit');
    // Held five times the grace: what is left in the pipe must still be read.
    await delay(500);
    expect(received.join('')).toBe('a'.repeat(1000));
    open = true;
    release();
    expect(await ended).toEqual({ code: 0, signal: null });
    expect(received.join('')).toBe(`${'a'.repeat(1000)}${'b'.repeat(30000)}END`);
    expect(warnings).toEqual([]);
  });
});
