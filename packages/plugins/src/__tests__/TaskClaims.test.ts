import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { TaskClaims } from '../claims/TaskClaims.js';
import { processIdentity } from '../process/processIdentity.js';

const me = (pid: number, session: string) => ({ ...processIdentity(pid), host: hostname(), session });

/** A claim on `web#build` left by a holder as `owner` says, its lock last refreshed `ageMs` ago. */
function leftClaim(dir: string, owner: object | undefined, ageMs = 0): void {
  const key = join(dir, encodeURIComponent('web#build'));
  mkdirSync(`${key}.lock`, { recursive: true });
  if (owner) writeFileSync(`${key}.owner.json`, JSON.stringify(owner));
  const when = new Date(Date.now() - ageMs);
  utimesSync(`${key}.lock`, when, when);
}

describe('TaskClaims', () => {
  it('one process at a time: a second claimant is told who holds the task, and gets it once released', async () => {
    const dir = join(tempRepo({}, { git: false }), 'claims');
    const first = new TaskClaims(dir, me(process.pid, 's1'));
    const second = new TaskClaims(dir, me(process.ppid, 's2'));
    expect(await first.tryClaim('web#build')).toEqual({ state: 'claimed' });
    expect(await second.tryClaim('web#build')).toEqual({ state: 'held', holder: me(process.pid, 's1') });
    expect(second.heldElsewhere('web#build')).toBe(true);
    await first.release('web#build');
    expect(await second.tryClaim('web#build')).toEqual({ state: 'claimed' });
    await second.releaseAll();
  });

  it("a waiter that found the holder dead does not take the claim from another waiter that took it over first", async () => {
    const dead = { ...me(spawnSync(process.execPath, ['-e', '0']).pid!, 'dead'), startTime: 1 };
    const dir = join(tempRepo({}, { git: false }), 'claims');
    leftClaim(dir, dead);
    const [a, b] = [new TaskClaims(dir, me(process.pid, 'a')), new TaskClaims(dir, me(process.ppid, 'b'))];
    expect(await a.tryClaim('web#build')).toEqual({ state: 'taken-over', holder: dead });
    // b saw `dead` holding it before a took it over, and acts on that only now.
    expect(await b.takeOver('web#build', dead)).toEqual({ state: 'held', holder: me(process.pid, 'a') });
    expect(a.holds('web#build')).toBe(true);
    expect(b.holder('web#build')).toEqual(me(process.pid, 'a'));
    await a.releaseAll();
  });

  it('never takes a claim from a live holder on this host, however long since its lock was refreshed', async () => {
    const dir = join(tempRepo({}, { git: false }), 'claims');
    leftClaim(dir, me(process.ppid, 'long'), 3_600_000);
    expect(await new TaskClaims(dir, me(process.pid, 'a')).tryClaim('web#build')).toMatchObject({ state: 'held' });
  });

  it('takes over a claim nobody refreshed for 30 s when its holder is on another host', async () => {
    const dir = join(tempRepo({}, { git: false }), 'claims');
    const owner = { pid: process.ppid, host: 'elsewhere' };
    leftClaim(dir, owner, 10_000);
    const claims = new TaskClaims(dir, me(process.pid, 'a'));
    expect(await claims.tryClaim('web#build')).toMatchObject({ state: 'held' });
    leftClaim(dir, owner, 31_000);
    expect(await claims.tryClaim('web#build')).toMatchObject({ state: 'taken-over' });
    await claims.releaseAll();
  });

  it('takes over an unnamed claim (a crash between the lock and its owner file) once it is 2 s old, not after 30 s (findings R2 #17)', async () => {
    const dir = join(tempRepo({}, { git: false }), 'claims');
    leftClaim(dir, undefined, 0);
    const claims = new TaskClaims(dir, me(process.pid, 'a'));
    // Just taken: its holder may be writing its name now.
    expect(await claims.tryClaim('web#build')).toMatchObject({ state: 'held' });
    leftClaim(dir, undefined, 3_000);
    expect(await claims.tryClaim('web#build')).toMatchObject({ state: 'taken-over' });
    await claims.releaseAll();
  });
});
