import { mkdirSync, readFileSync, rmSync } from 'node:fs';
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

  it("writes a new session's snapshot: what a fold of its log gives, at the log's end", async () => {
    const root = tempRepo({}, { git: false });
    const engine = new Engine({ config: resolveConfig({}, root) });
    await engine.use([sessionPlugin()]);
    mkdirSync(join(root, '.orch/sessions/s'), { recursive: true });
    engine.emit({ type: 'session-started', session: { ...info('s'), watch: false } });
    engine.emit({ type: 'run-started', tasks: [{ id: 'lib', reasons: [], dependencies: [], outside: [] }, { id: 'app', reasons: [], dependencies: ['lib'], outside: [] }] as never, concurrency: 1 });
    engine.emit({ type: 'task-started', id: 'lib' });
    engine.emit({ type: 'task-finished', outcome: finished('lib') });
    await engine.hooks.checkpoint.promise({ id: 'lib', data: new Map() } as never, 'persist');
    engine.emit({ type: 'task-finished', outcome: { ...finished('app'), cached: 'local', hash: 'h' } });
    engine.emit({ type: 'run-finished', summary: { tasks: [], durationMs: 1, succeeded: 2, failed: 0, skipped: 0, cancelled: 0, interrupted: false, awaitingIntervention: 0 } });
    await engine.close();
    const store = new SessionStore(join(root, '.orch'));
    const snapshot = JSON.parse(readFileSync(join(root, '.orch/sessions/s/snapshot.json'), 'utf8')) as { offset: number; state: unknown };
    expect(snapshot.offset).toBe(readFileSync(store.logPath('s')).length);
    rmSync(join(root, '.orch/sessions/s/snapshot.json'));
    const { state } = store.load('s');
    expect(snapshot.state).toEqual(JSON.parse(JSON.stringify(state)));
    expect(state.status).toBe('completed');
    expect(state.tasks.app?.status).toBe('succeeded');
  });
});
