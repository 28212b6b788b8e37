import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, resolveConfig, type SessionInfo, type TaskOutcome } from '@orch/engine';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { sessionPlugin } from '../session/SessionPlugin.js';
import { SessionStore } from '../session/SessionStore.js';

const info = (id: string): SessionInfo => ({ id, request: { names: ['build'], args: [], only: false, continue: 'never', concurrency: 1 }, argv: ['watch', 'build'], pid: process.pid, host: 'h', startedAt: '', watch: true });
const finished = (id: string): TaskOutcome => ({ id, status: 'succeeded', durationMs: 1 });

describe('sessionPlugin', () => {
  it("takes each snapshot at the offset its fold read to, when several engines append to one session's log (a watch)", async () => {
    const root = tempRepo({}, { git: false });
    const config = resolveConfig({}, root);
    // `orch watch` takes the session (its folder) before any engine logs in it.
    mkdirSync(join(root, '.orch/sessions/s'), { recursive: true });
    const engines = [new Engine({ config }), new Engine({ config })];
    for (const engine of engines) await engine.use([sessionPlugin()]);
    const [first, second] = engines as [Engine, Engine];
    // Interleaved as a watch's cycle and its persistent task are.
    first.emit({ type: 'session-started', session: info('s') });
    second.emit({ type: 'session-started', session: info('s') });
    second.emit({ type: 'task-finished', outcome: finished('dev') });
    await second.hooks.checkpoint.promise({ id: 'dev', data: new Map() } as never, 'persist');
    first.emit({ type: 'task-finished', outcome: finished('lib') });
    await first.hooks.checkpoint.promise({ id: 'lib', data: new Map() } as never, 'persist');
    await first.close();
    // Appended after the first snapshot: folded once, on top of it.
    second.emit({ type: 'task-finished', outcome: finished('lib') });
    await second.close();
    const { state } = new SessionStore(join(root, '.orch')).load('s');
    expect(state.runs).toBe(2);
    expect(state.status).toBe('stopped');
    expect(state.tasks.lib?.completions).toBe(2);
    expect(state.tasks.dev?.completions).toBe(1);
  });
});
