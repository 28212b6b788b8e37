import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../session/SessionStore.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A finished session whose log says it started at `t` (ms since the epoch), run with `args`, with `tasks` task events. */
function writeSession(stateDir: string, id: string, t: number, { args = ['build'], tasks = 0 } = {}): void {
  const dir = join(stateDir, 'sessions', id);
  mkdirSync(dir, { recursive: true });
  const events = [
    { type: 'session-started', t, session: { id, command: 'run', args, cwd: '/repo' } },
    // Later events carry earlier times than the first: only the first event may order sessions.
    ...Array.from({ length: tasks }, (_, i) => ({ type: 'task-finished', t: i, outcome: { id: `p${i}#build`, status: 'succeeded' } })),
    { type: 'session-finished', t: t + 5, status: 'completed' },
  ];
  writeFileSync(join(dir, 'events.jsonl'), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
}

function stateFolder(): string {
  const stateDir = mkdtempSync(join(tmpdir(), 'orch-sessions-'));
  folders.push(stateDir);
  return stateDir;
}

const SECOND = Date.parse('2026-11-30T10:00:14.000Z');

/** A state folder with two sessions of the same second, the one whose id sorts last started first, and one of the second before. */
function sameSecondSessions(): string {
  const stateDir = mkdtempSync(join(tmpdir(), 'orch-sessions-'));
  folders.push(stateDir);
  // `ffff` sorts after `0001`, but started 400 ms before it.
  writeSession(stateDir, '20261130-100014-ffff', SECOND + 100);
  writeSession(stateDir, '20261130-100014-0001', SECOND + 500);
  writeSession(stateDir, '20261130-100013-aaaa', SECOND - 500);
  return stateDir;
}

describe('SessionStore.latest', () => {
  it('picks the session started last when two ids share their second, whatever their random suffixes', () => {
    expect(new SessionStore(sameSecondSessions()).latest()?.state.info?.id).toBe('20261130-100014-0001');
  });

  it('still orders sessions of different seconds by their ids', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'orch-sessions-'));
    folders.push(stateDir);
    writeSession(stateDir, '20261130-100014-0001', SECOND);
    writeSession(stateDir, '20261130-100015-0002', SECOND + 1000);
    expect(new SessionStore(stateDir).latest()?.state.info?.id).toBe('20261130-100015-0002');
  });
});

describe('SessionStore.latestId', () => {
  it('is the session started last when ids share their second, as `ids()` orders them (`orch resume --last`)', () => {
    const store = new SessionStore(sameSecondSessions());
    expect(store.latestId()).toBe('20261130-100014-0001');
    expect(store.latestId()).toBe(store.ids().at(-1));
  });

  it('is the last id of its own second when no other session shares it, and undefined with no sessions', () => {
    const stateDir = stateFolder();
    expect(new SessionStore(stateDir).latestId()).toBeUndefined();
    writeSession(stateDir, '20261130-100014-ffff', SECOND + 100);
    writeSession(stateDir, '20261130-100015-0001', SECOND + 1000);
    expect(new SessionStore(stateDir).latestId()).toBe('20261130-100015-0001');
  });
});

describe('SessionStore.prune', () => {
  it('keeps every session while there are no more than `keep`, and removes the oldest started beyond it', () => {
    const stateDir = sameSecondSessions();
    const store = new SessionStore(stateDir);
    store.prune(3);
    expect(store.ids()).toHaveLength(3);
    // Of the two of one second, `ffff` started first: it goes before `0001`, though its id sorts after.
    store.prune(1);
    expect(store.ids()).toEqual(['20261130-100014-0001']);
  });
});

describe('SessionStore.ids', () => {
  it('orders sessions of the same second by when they started, so `--last` is the last one started', () => {
    expect(new SessionStore(sameSecondSessions()).ids()).toEqual(['20261130-100013-aaaa', '20261130-100014-ffff', '20261130-100014-0001']);
  });

  it('orders many sessions of one second by their first events, whatever their logs hold after them or how long their first lines are', () => {
    const stateDir = stateFolder();
    // Suffixes sort in the reverse of the order they started in; some first lines span several reads.
    const started = Array.from({ length: 12 }, (_, i) => `20261130-100014-${(99 - i).toString().padStart(4, '0')}`);
    started.forEach((id, i) => writeSession(stateDir, id, SECOND + 10 * i, { args: i % 3 === 0 ? ['build', 'x'.repeat(5000 * (i + 1))] : ['build'], tasks: 200 }));
    expect(new SessionStore(stateDir).ids()).toEqual(started);
  });

  it('puts a session whose first line is not whole yet before those that started, and orders it once its first line is written', () => {
    const stateDir = stateFolder();
    writeSession(stateDir, '20261130-100014-0001', SECOND + 100);
    const starting = '20261130-100014-0000';
    mkdirSync(join(stateDir, 'sessions', starting), { recursive: true });
    const line = JSON.stringify({ type: 'session-started', t: SECOND + 200, session: { id: starting, command: 'run', args: ['build'], cwd: '/repo' } });
    writeFileSync(join(stateDir, 'sessions', starting, 'events.jsonl'), line.slice(0, 20));
    const store = new SessionStore(stateDir);
    expect(store.ids()).toEqual([starting, '20261130-100014-0001']);
    appendFileSync(join(stateDir, 'sessions', starting, 'events.jsonl'), `${line.slice(20)}\n`);
    expect(store.ids()).toEqual(['20261130-100014-0001', starting]);
  });

  it('orders a session whose first line is not JSON by its first event that is', () => {
    const stateDir = stateFolder();
    writeSession(stateDir, '20261130-100014-0000', SECOND + 100);
    writeSession(stateDir, '20261130-100014-0001', SECOND + 300);
    const log = join(stateDir, 'sessions', '20261130-100014-0000', 'events.jsonl');
    writeFileSync(log, `not json\n${JSON.stringify({ type: 'session-started', t: SECOND + 500 })}\n`);
    expect(new SessionStore(stateDir).ids()).toEqual(['20261130-100014-0001', '20261130-100014-0000']);
  });
});

describe('SessionStore snapshots', () => {
  /** A finished session with three tasks, its snapshot written. */
  async function snapshotted() {
    const id = '20261130-100014-0001';
    const stateDir = stateFolder();
    writeSession(stateDir, id, SECOND, { tasks: 3 });
    const store = new SessionStore(stateDir);
    const { state, offset } = store.load(id);
    await store.writeSnapshot(id, state, offset);
    return { store, id, state, offset };
  }

  it('writes { version, offset, checksum, ended, state } as JSON, the checksum the SHA-256 of the state as JSON, and loads from it', async () => {
    const { store, id, state, offset } = await snapshotted();
    const written = readFileSync(join(store.sessionDir(id), 'snapshot.json'), 'utf8');
    const checksum = createHash('sha256').update(JSON.stringify(state)).digest('hex');
    expect(written).toBe(`${JSON.stringify({ version: 2, offset, checksum, ended: false, state })}\n`);
    const loaded = store.load(id);
    expect(loaded.rebuilt).toBe(false);
    expect(loaded.state).toEqual(state);
  });

  it('ignores a snapshot whose state was changed after it was written, and rebuilds the state from the log', async () => {
    const { store, id, state, offset } = await snapshotted();
    const path = join(store.sessionDir(id), 'snapshot.json');
    const written = readFileSync(path, 'utf8');
    const edited = written.replace('"status":"succeeded"', '"status":"failed"');
    expect(edited).not.toBe(written);
    writeFileSync(path, edited);
    const loaded = store.load(id);
    expect(loaded.rebuilt).toBe(true);
    expect(loaded.state).toEqual(state);
  });
});

describe('SessionStore.endedAsLogged (the offer to resume, issue 13)', () => {
  const id = '20261130-100014-0001';
  const runFinished = { type: 'run-finished', t: SECOND + 9, summary: { tasks: [], durationMs: 9, succeeded: 3, failed: 0, skipped: 0, cancelled: 0, interrupted: false, awaitingIntervention: 0 } };
  async function session(ended: boolean) {
    const stateDir = stateFolder();
    writeSession(stateDir, id, SECOND, { tasks: 3 });
    const store = new SessionStore(stateDir);
    if (ended) appendFileSync(store.logPath(id), `${JSON.stringify(runFinished)}\n`);
    const { state, offset } = store.load(id);
    await store.writeSnapshot(id, state, offset);
    return store;
  }

  it('is true from the head of a snapshot whose state has the run\'s summary and covers the whole log', async () => {
    const store = await session(true);
    expect(store.load(id).state.summary).toBeDefined();
    expect(store.endedAsLogged(id)).toBe(true);
  });

  it('is false when it cannot tell: no summary, no snapshot, a log grown since, an older snapshot without the field', async () => {
    expect((await session(false)).endedAsLogged(id)).toBe(false);
    const grown = await session(true);
    appendFileSync(grown.logPath(id), `${JSON.stringify({ type: 'session-resumed', t: SECOND + 20 })}\n`);
    expect(grown.endedAsLogged(id)).toBe(false);
    const older = await session(true);
    const path = join(older.sessionDir(id), 'snapshot.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"ended":true,', ''));
    expect(older.endedAsLogged(id)).toBe(false);
    rmSync(path);
    expect(older.endedAsLogged(id)).toBe(false);
  });
});
