import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ClaimHolder } from '@orch/engine';
import { lazyRequire } from '../lazyRequire.js';
import { checkProcess } from '../process/processIdentity.js';

const lockfile = lazyRequire<typeof import('proper-lockfile')>('proper-lockfile');

/** A claim whose holder cannot be checked (on another host, or not yet named) is dead after this long without a refresh. */
const STALE_MS = 30_000;
/**
 * A lock with no owner file is dead after this long: a live holder names itself within
 * milliseconds of taking the lock (and removes the name just before releasing it), so an
 * unnamed lock older than this was left by a crash between the two writes, and no run waits 30 s
 * for a holder that is gone (findings R2 #17).
 */
const OWNERLESS_MS = 2_000;
/** How often a holder refreshes its claim's mtime. */
const REFRESH_MS = 5_000;
/** A takeover in progress is a few file operations; one older than this was abandoned. */
const TAKEOVER_STALE_MS = 10_000;

/** One attempt at a claim: this process has it now (`taken-over`: from a holder that died), or another holds it. */
export type ClaimAttempt = { state: 'claimed' } | { state: 'taken-over'; holder?: ClaimHolder } | { state: 'held'; holder?: ClaimHolder };

/**
 * Per-task claims in `<stateDir>/claims/`: one orch process at a time runs or restores a task
 * of the repository. A claim is a proper-lockfile lock folder `<task>.lock`, whose mtime its
 * holder refreshes every 5 s, and `<task>.owner.json`, naming the holder (pid with its start
 * time, host, session); the owner file is written after the lock is taken and removed before it
 * is released, so it always names the lock's current holder.
 *
 * A claim is taken over only when its holder is dead: on this host, its pid no longer runs the
 * same process (a long task's claim is never taken from a live holder); elsewhere, when the lock
 * was not refreshed for 30 s; with no owner file, 2 s after the lock was last touched. Takeovers are serialised by a second
 * lock (`<task>.takeover`) and the holder checked again under it, so two waiters cannot both
 * take over one dead holder's claim. proper-lockfile's own stale removal is never used: it
 * removes and re-creates without such a check.
 */
export class TaskClaims {
  private readonly held = new Map<string, () => Promise<void>>();
  private made = false;
  private exitHooked = false;

  constructor(
    readonly dir: string,
    private readonly me: ClaimHolder,
    private readonly onLost: (id: string) => void = () => undefined,
  ) {}

  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Whether another process has a claim on the task now: one stat, for the tasks about to be restored. */
  heldElsewhere(id: string): boolean {
    if (this.held.has(id)) return false;
    try {
      // Asked for every task, almost always of no claim: a missing file is an answer, not an error to build.
      return statSync(this.paths(id).lock, { throwIfNoEntry: false }) !== undefined;
    } catch {
      return false;
    }
  }

  /** One attempt to claim the task; a dead holder's claim is taken over. */
  async tryClaim(id: string): Promise<ClaimAttempt> {
    if (this.held.has(id)) return { state: 'claimed' };
    if (!this.made) {
      mkdirSync(this.dir, { recursive: true });
      this.made = true;
    }
    this.removeOwnersOnExit();
    if (await this.lock(id)) return { state: 'claimed' };
    const holder = this.holder(id);
    if (!this.holderDead(id, holder)) return { state: 'held', ...(holder ? { holder } : {}) };
    return this.takeOver(id, holder);
  }

  /** Gives the claim up: the owner file first, so it never names a later holder. */
  async release(id: string): Promise<void> {
    const release = this.held.get(id);
    if (!release) return;
    this.held.delete(id);
    if (sameHolder(this.holder(id), this.me)) rmSync(this.paths(id).owner, { force: true });
    await release().catch(() => undefined);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((id) => this.release(id)));
  }

  /**
   * On an exit that skips `release` (an internal error), proper-lockfile removes the lock
   * folders; the owner files go first, so none outlives its lock and names a dead holder
   * beside a later holder's lock.
   */
  private removeOwnersOnExit(): void {
    if (this.exitHooked) return;
    this.exitHooked = true;
    process.prependListener('exit', () => {
      for (const id of this.held.keys()) if (sameHolder(this.holder(id), this.me)) rmSync(this.paths(id).owner, { force: true });
    });
  }

  /** Who holds the task's claim, as its owner file says (undefined while it is being written). */
  holder(id: string): ClaimHolder | undefined {
    return readHolder(this.paths(id).owner);
  }

  private paths(id: string): ClaimPaths {
    // Task ids hold `#`, `/` and `:`; a very long one is hashed to stay a valid file name.
    const name = encodeURIComponent(id);
    return keyPaths(join(this.dir, name.length > 200 ? createHash('sha256').update(id).digest('hex') : name));
  }

  /** Takes the lock if it is free: true when this process has the claim now. */
  private async lock(id: string): Promise<boolean> {
    const { key, lock, owner } = this.paths(id);
    let release: () => Promise<void>;
    try {
      release = await lockfile().lock(key, {
        lockfilePath: lock,
        realpath: false,
        // Never stale for proper-lockfile (see the class comment); refreshed all the same.
        stale: Number.MAX_SAFE_INTEGER,
        update: REFRESH_MS,
        onCompromised: () => {
          this.held.delete(id);
          this.onLost(id);
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return false;
      throw error;
    }
    const temporary = `${owner}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.me)}\n`);
    renameSync(temporary, owner);
    this.held.set(id, release);
    return true;
  }

  private holderDead(id: string, holder: ClaimHolder | undefined): boolean {
    return this.holderDeadAt(this.paths(id).lock, holder);
  }

  private holderDeadAt(lock: string, holder: ClaimHolder | undefined): boolean {
    if (holder && holder.host === hostname()) {
      const check = checkProcess(holder);
      return check === 'gone' || check === 'other';
    }
    try {
      return statSync(lock).mtimeMs < Date.now() - (holder ? STALE_MS : OWNERLESS_MS);
    } catch {
      // Released meanwhile: not dead, free; the next attempt takes it.
      return false;
    }
  }

  /**
   * Takes the claim over from `seen`, a holder found dead, if under the takeover lock it is
   * still the holder and still dead; otherwise answers who holds it now.
   */
  async takeOver(id: string, seen: ClaimHolder | undefined): Promise<ClaimAttempt> {
    const paths = this.paths(id);
    const cleared = await this.clearDead(paths, seen);
    if (cleared !== true) return { state: 'held', ...(cleared ? { holder: cleared } : {}) };
    // A process taking the free lock meanwhile wins it; this one waits for that one then.
    if (!(await this.lock(id))) return { state: 'held', ...(this.holder(id) ? { holder: this.holder(id)! } : {}) };
    return { state: 'taken-over', ...(seen ? { holder: seen } : {}) };
  }

  /**
   * Clears the claims that dead holders of `session` left (FINDINGS-11, 11): `orch resume` makes
   * the session this process's, and a task it counts as done is never claimed again, so such a
   * claim would outlive the session and greet the next run with "claimed by …, which died".
   * Returns how many were cleared.
   */
  async clearSession(session: string): Promise<number> {
    let cleared = 0;
    const names = (() => {
      try {
        return readdirSync(this.dir);
      } catch {
        return [];
      }
    })();
    for (const name of names.filter((file) => file.endsWith(OWNER_SUFFIX))) {
      const paths = keyPaths(join(this.dir, name.slice(0, -OWNER_SUFFIX.length)));
      const holder = readHolder(paths.owner);
      if (holder?.session !== session || !this.holderDeadAt(paths.lock, holder)) continue;
      if ((await this.clearDead(paths, holder)) === true) cleared++;
    }
    return cleared;
  }

  /**
   * Removes a claim whose holder `seen` was found dead, if under the takeover lock it is still
   * the holder and still dead: true; otherwise who holds it now.
   */
  private async clearDead(paths: ClaimPaths, seen: ClaimHolder | undefined): Promise<true | ClaimHolder | undefined> {
    let done: () => Promise<void>;
    try {
      // Its own key: proper-lockfile keeps one lock per key, and this process takes the claim under it.
      done = await lockfile().lock(`${paths.key}#takeover`, { lockfilePath: paths.takeover, realpath: false, stale: TAKEOVER_STALE_MS, onCompromised: () => undefined });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return seen;
      throw error;
    }
    try {
      // Under the takeover lock: the claim may have been taken over, or released and taken, since.
      const holder = readHolder(paths.owner);
      if (!sameHolder(holder, seen) || !this.holderDeadAt(paths.lock, holder)) return holder;
      rmSync(paths.owner, { force: true });
      rmSync(paths.lock, { recursive: true, force: true });
      return true;
    } finally {
      await done().catch(() => undefined);
    }
  }
}

const OWNER_SUFFIX = '.owner.json';

interface ClaimPaths {
  key: string;
  lock: string;
  owner: string;
  takeover: string;
}

function keyPaths(key: string): ClaimPaths {
  return { key, lock: `${key}.lock`, owner: `${key}${OWNER_SUFFIX}`, takeover: `${key}.takeover` };
}

/** A claim's holder, as its owner file says (undefined while it is being written). */
function readHolder(file: string): ClaimHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClaimHolder;
  } catch {
    return undefined;
  }
}

function sameHolder(a: ClaimHolder | undefined, b: ClaimHolder | undefined): boolean {
  if (!a || !b) return a === b;
  return a.pid === b.pid && a.host === b.host && a.startTime === b.startTime;
}
