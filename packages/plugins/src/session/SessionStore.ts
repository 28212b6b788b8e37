import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lazyRequire, writeFileAtomic } from '../lazyRequire.js';
import { OrchError, checkSessionId, closestMatches, isSessionId, type ProcessIdentity } from '@orch/engine';
import { checkProcess } from '../process/processIdentity.js';
import { cutTornTail, readFirstEvent, readLog } from './SessionLog.js';
import { emptyState, foldEvents, reviveState, settledStatus, type SessionState, type SessionStatus } from './sessionState.js';

const lockfile = lazyRequire<typeof import('proper-lockfile')>('proper-lockfile');

/** Who holds a session: written next to its lock. The process's start time tells a reused pid apart. */
export interface SessionOwner extends ProcessIdentity {
  host: string;
  startedAt: string;
  argv: string[];
}

/** A session read from disk. */
export interface LoadedSession {
  state: SessionState;
  owner?: SessionOwner;
  /** A live process holds it. */
  live: boolean;
  /** The log ended in a torn line (ignored). */
  torn: boolean;
  /**
   * Bytes of the log folded into `state`: a snapshot of it is taken at this offset (a watch's
   * engines append to one log, so one engine's own count of what it wrote is not the log's).
   */
  offset: number;
  /** The snapshot was missing or corrupt and the state was rebuilt from the log. */
  rebuilt: boolean;
}

const LOCK_STALE_MS = 60_000;
const SNAPSHOT_VERSION = 2;

/**
 * Sessions on disk: `<stateDir>/sessions/<id>/` holds `events.jsonl` (the log), `snapshot.json`
 * (the folded state up to a byte offset of the log, written atomically), `owner.json` and the
 * `lock` (proper-lockfile: a directory whose mtime the owner refreshes; stale after a minute, or
 * at once when the owner's process is gone).
 */
export class SessionStore {
  readonly dir: string;

  /**
   * When each session's log says it started (its first event's `t`), once read: a whole first
   * line never changes (the log is only appended to, and only a torn tail is ever cut), and a run
   * asks for the ids several times (orphans, the offer to resume, pruning).
   */
  private readonly startTimes = new Map<string, number>();

  constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'sessions');
  }

  /** A new, sortable, readable id: `20261124-101500-a1b2`. */
  static newId(now = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${randomBytes(2).toString('hex')}`;
  }

  /** The session's folder; an id that is not a plain one (`../x`, `/tmp/x`) is a usage error, never a path outside `sessions/`. */
  sessionDir(id: string): string {
    return join(this.dir, checkSessionId(id, 'session id'));
  }

  logPath(id: string): string {
    return join(this.sessionDir(id), 'events.jsonl');
  }

  /**
   * Every session's id, oldest first. Ids sort to the second; sessions started within the same
   * second are ordered by their log's first event (ms), so `--last` is the one started last.
   */
  ids(): string[] {
    const ids = this.names();
    for (let start = 0; start < ids.length; ) {
      const end = this.sameSecondEnd(ids, start);
      if (end - start > 1) ids.splice(start, end - start, ...this.byStartTime(ids.slice(start, end)));
      start = end;
    }
    return ids;
  }

  /**
   * The id of the session started last (`ids().at(-1)`), reading the first event of only those
   * started in the same second as it: a run asks at every start, and the ids before are many.
   */
  latestId(): string | undefined {
    const ids = this.names();
    let start = ids.length - 1;
    while (start > 0 && ids[start - 1]!.slice(0, 15) === ids[ids.length - 1]!.slice(0, 15)) start--;
    return this.byStartTime(ids.slice(Math.max(0, start))).at(-1);
  }

  /** Whether there is a session with this id. */
  has(id: string): boolean {
    return isSessionId(id) && statSync(this.sessionDir(id), { throwIfNoEntry: false })?.isDirectory() === true;
  }

  /** The sessions' ids in name order (to the second), as listed: what needs no finer order asks for these. */
  private names(): string[] {
    try {
      return readdirSync(this.dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && isSessionId(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** Where the run of ids started in the same second as `ids[start]` ends. */
  private sameSecondEnd(ids: readonly string[], start: number): number {
    let end = start + 1;
    while (end < ids.length && ids[end]!.slice(0, 15) === ids[start]!.slice(0, 15)) end++;
    return end;
  }

  /** Ids ordered by their log's first event, then by name. */
  private byStartTime(ids: readonly string[]): string[] {
    if (ids.length < 2) return [...ids];
    const started = new Map(ids.map((id) => [id, this.startTime(id)]));
    return [...ids].sort((a, b) => started.get(a)! - started.get(b)! || (a < b ? -1 : 1));
  }

  /** When the session's log says it started (ms since the epoch); 0 while it has no whole first line. */
  private startTime(id: string): number {
    const known = this.startTimes.get(id);
    if (known !== undefined) return known;
    const t = readFirstEvent(this.logPath(id))?.t;
    if (t === undefined) return 0;
    this.startTimes.set(id, t);
    return t;
  }

  /**
   * Takes the session's lock (a stale one, or one whose owner process is gone, is taken over)
   * and records this process as its owner. Fails naming the holder when a live process has it.
   */
  async acquire(id: string, owner: SessionOwner): Promise<() => Promise<void>> {
    const dir = this.sessionDir(id);
    mkdirSync(dir, { recursive: true });
    const options = { lockfilePath: join(dir, 'lock'), stale: LOCK_STALE_MS, realpath: false, onCompromised: () => undefined };
    // Taken synchronously: the lock is a mkdir and a probe of its mtime, three calls that through
    // the thread pool waited behind whatever else was queued there (up to 15 ms of a full hit).
    let release: () => void;
    try {
      release = lockfile().lockSync(dir, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const holder = this.owner(id);
      if (holder && processAlive(holder)) throw lockedError(id, holder);
      // The owner died without releasing (kill -9, power loss): its lock is stale now.
      rmSync(join(dir, 'lock'), { recursive: true, force: true });
      release = lockfile().lockSync(dir, options);
    }
    writeFileSync(join(dir, 'owner.json'), `${JSON.stringify(owner)}\n`);
    return async () => release();
  }

  /** Who holds the session, as `owner.json` says; undefined when there is none or it names no process. */
  owner(id: string): SessionOwner | undefined {
    const record = this.ownerRecord(id);
    return record === 'unreadable' ? undefined : record;
  }

  /**
   * Whether the session's lock is there but its owner record does not name a process (not JSON,
   * `{}`, no pid; FINDINGS-11, 11): orch writes the record right after taking the lock, so such a
   * holder is taken for dead (the lock is taken over, what the log says it left running ended
   * after checking each group), and resume says so, rather than waiting for ever for `pid undefined`.
   */
  ownerUnreadable(id: string): boolean {
    return existsSync(join(this.sessionDir(id), 'lock')) && this.ownerRecord(id) === 'unreadable';
  }

  private ownerRecord(id: string): SessionOwner | 'unreadable' | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.sessionDir(id), 'owner.json'), 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
    }
    try {
      const owner = JSON.parse(text) as Partial<SessionOwner> | null;
      return Number.isInteger(owner?.pid) && owner!.pid! > 0 && typeof owner!.host === 'string' ? (owner as SessionOwner) : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }

  /** Whether a live process holds the session's lock. */
  isLive(id: string): boolean {
    if (!existsSync(join(this.sessionDir(id), 'lock'))) return false;
    const owner = this.owner(id);
    return owner !== undefined && processAlive(owner);
  }

  /**
   * The session's state: the snapshot, then the log after it. A snapshot that is missing, not
   * JSON, fails its checksum or points past the log is ignored and the state rebuilt from the log.
   * With `repair`, a torn last line is cut off (the caller is about to append).
   */
  load(id: string, options: { repair?: boolean } = {}): LoadedSession {
    const dir = this.sessionDir(id);
    if (!existsSync(dir)) throw new OrchError('session-not-found', `no session '${id}'`, { hint: this.suggest(id) });
    const snapshot = this.readSnapshot(id);
    const state = snapshot?.state ?? emptyState(id);
    const log = readLog(this.logPath(id), snapshot?.offset ?? 0);
    if (snapshot && log.validBytes < snapshot.offset) return { ...this.rebuild(id, options), rebuilt: true };
    foldEvents(state, log.events);
    if (log.torn && options.repair) cutTornTail(this.logPath(id), log.validBytes);
    const owner = this.owner(id);
    const live = this.isLive(id);
    state.status = settledStatus(state.status, live);
    return { state, ...(owner ? { owner } : {}), live, torn: log.torn, offset: log.validBytes, rebuilt: snapshot === undefined && existsSync(join(dir, 'snapshot.json')) };
  }

  private rebuild(id: string, options: { repair?: boolean }): Omit<LoadedSession, 'rebuilt'> {
    const log = readLog(this.logPath(id));
    const state = foldEvents(emptyState(id), log.events);
    if (log.torn && options.repair) cutTornTail(this.logPath(id), log.validBytes);
    const owner = this.owner(id);
    const live = this.isLive(id);
    state.status = settledStatus(state.status, live);
    return { state, ...(owner ? { owner } : {}), live, torn: log.torn, offset: log.validBytes };
  }

  private readSnapshot(id: string): { offset: number; state: SessionState } | undefined {
    try {
      const text = readFileSync(join(this.sessionDir(id), 'snapshot.json'), 'utf8');
      const parsed = JSON.parse(text) as { version: number; offset: number; checksum: string; state: SessionState };
      // A snapshot naming another session (copied, or crafted: its id names report and log paths) is not this one's.
      if (parsed.version !== SNAPSHOT_VERSION || checksum(stateText(text)) !== parsed.checksum || parsed.state.id !== id) return undefined;
      return { offset: parsed.offset, state: reviveState(parsed.state) };
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the snapshot atomically (temp file, rename), without fsync: it is a cache of the fold
   * of a log that is durable already. One a machine crash leaves empty or torn fails its checksum
   * and the state is rebuilt from the log (`load`), so two fsyncs need not end every run.
   */
  async writeSnapshot(id: string, state: SessionState, offset: number): Promise<void> {
    const dir = this.sessionDir(id);
    const text = JSON.stringify(state);
    // What JSON.stringify of { version, offset, checksum, state } gives, without writing the state twice.
    // `ended` (the run's summary is in the state) is read alone by `endedAsLogged`.
    await writeFileAtomic()(join(dir, 'snapshot.json'), `{"version":${SNAPSHOT_VERSION},"offset":${JSON.stringify(offset)},"checksum":"${checksum(text)}","ended":${state.summary !== undefined},"state":${text}}\n`, { fsync: false });
  }

  /** The newest session, or the newest with unfinished work. */
  latest(filter?: (status: SessionStatus) => boolean): LoadedSession | undefined {
    for (const id of this.ids().reverse()) {
      const session = this.tryLoad(id);
      // A session whose process died before it logged its run has nothing to resume.
      if (session?.state.info && (!filter || filter(session.state.status))) return session;
    }
    return undefined;
  }

  tryLoad(id: string, options: { repair?: boolean } = {}): LoadedSession | undefined {
    try {
      return this.load(id, options);
    } catch {
      return undefined;
    }
  }

  /**
   * Sessions whose process died while holding them (`kill -9`, power loss): their lock is still
   * there and its owner is gone. Only these can have left processes running.
   */
  abandoned(): string[] {
    return this.names().filter((id) => this.ownerDead(id));
  }

  /** Removes the lock of a session whose owner is dead (after what it left running was ended). */
  dropAbandonedLock(id: string): void {
    if (this.ownerDead(id)) rmSync(join(this.sessionDir(id), 'lock'), { recursive: true, force: true });
  }

  /**
   * Whether the session's run is known to have ended (its log holds the run's summary) from the
   * head of its snapshot alone, when the snapshot covers the whole log: what the offer to resume
   * asks of the latest session at every run's start, without reading and checking a snapshot of
   * hundreds of KB (500 tasks: 156 KB). False when that cannot tell: no snapshot, one without
   * the field (an older orch), a log that grew since.
   */
  endedAsLogged(id: string): boolean {
    const dir = this.sessionDir(id);
    let head = '';
    try {
      const fd = openSync(join(dir, 'snapshot.json'), 'r');
      try {
        const buffer = Buffer.alloc(256);
        head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
      } finally {
        closeSync(fd);
      }
    } catch {
      return false;
    }
    const found = /^\{"version":(\d+),"offset":(\d+),"checksum":"[0-9a-f]+","ended":true,"state":/.exec(head);
    return found !== null && Number(found[1]) === SNAPSHOT_VERSION && statSync(this.logPath(id), { throwIfNoEntry: false })?.size === Number(found[2]);
  }

  /** The session's lock is there and its owner is dead, or not named by its record. */
  private ownerDead(id: string): boolean {
    if (!existsSync(join(this.sessionDir(id), 'lock'))) return false;
    const owner = this.ownerRecord(id);
    return owner === 'unreadable' || (owner !== undefined && !processAlive(owner));
  }

  /** Removes the oldest finished sessions beyond `keep`. */
  prune(keep: number): void {
    if (this.names().length <= keep) return;
    const ids = this.ids();
    for (const id of ids.slice(0, Math.max(0, ids.length - keep))) {
      if (this.isLive(id)) continue;
      rmSync(this.sessionDir(id), { recursive: true, force: true });
    }
  }

  private suggest(id: string): string {
    const ids = this.ids();
    const close = closestMatches(id, ids);
    if (close.length > 0) return `did you mean ${close.map((c) => `'${c}'`).join(' or ')}?`;
    return ids.length > 0 ? 'run `orch sessions` to list them' : 'there are no sessions yet: every `orch run` starts one';
  }
}

/** The snapshot's checksum: SHA-256 of its state as JSON. */
function checksum(stateJson: string): string {
  return createHash('sha256').update(stateJson).digest('hex');
}

/**
 * A snapshot's state as written: its last member's text (what its checksum covers), so the state
 * is not turned back into JSON to be checked. Text edited since fails the checksum.
 */
function stateText(snapshot: string): string {
  return snapshot.slice(snapshot.indexOf('"state":') + '"state":'.length, snapshot.lastIndexOf('}'));
}

function lockedError(id: string, holder: SessionOwner): OrchError {
  return new OrchError('session-locked', `session ${id} is held by ${describeOwner(holder)}`, { hint: 'wait for it to finish (`orch sessions`), or stop that process first' });
}

export function describeOwner(owner: SessionOwner): string {
  return `pid ${owner.pid} on ${owner.host} (\`orch ${owner.argv.join(' ')}\`, started ${owner.startedAt})`;
}

/**
 * Whether the owner's process is alive: the same process (its start time, where recorded, tells
 * a pid the system gave to another process apart; a zombie is dead). On this host only: another
 * host's owner counts as alive.
 */
export function processAlive(owner: ProcessIdentity & { host: string }): boolean {
  if (owner.host !== hostname()) return true;
  const check = checkProcess(owner);
  return check === 'same' || check === 'unknown';
}
