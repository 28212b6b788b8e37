import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../session/SessionStore.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A finished session whose log says it started at `t` (ms since the epoch). */
function writeSession(stateDir: string, id: string, t: number): void {
  const dir = join(stateDir, 'sessions', id);
  mkdirSync(dir, { recursive: true });
  const events = [
    { type: 'session-started', t, session: { id, command: 'run', args: ['build'], cwd: '/repo' } },
    { type: 'session-finished', t: t + 5, status: 'completed' },
  ];
  writeFileSync(join(dir, 'events.jsonl'), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
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

describe('SessionStore.ids', () => {
  it('orders sessions of the same second by when they started, so `--last` is the last one started', () => {
    expect(new SessionStore(sameSecondSessions()).ids()).toEqual(['20261130-100013-aaaa', '20261130-100014-ffff', '20261130-100014-0001']);
  });
});
