import { hostname } from 'node:os';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Engine } from '@orch/engine';
import { lazyRequire } from '../lazyRequire.js';
import { processAlive } from '../session/SessionStore.js';
import type { HashInputs } from '../cache/TaskHasher.js';
import type { OutputsFingerprint } from '../cache/outputsFingerprint.js';

const perEngine = new WeakMap<Engine, TaskRecords>();

const lockfile = lazyRequire<typeof import('proper-lockfile')>('proper-lockfile');

/** A completion marker: the task succeeded, when, and in which run. */
export interface CompletionMarker {
  id: string;
  completedAt: string;
  runId: string;
  durationMs: number;
  /** The task's hash when it completed; a marker whose hash no longer matches is not trusted. */
  hash?: string;
}

/** The hash inputs of a task's last successful run, for `orch explain` and `--only`. */
export interface HashRecord {
  hash: string;
  inputs: HashInputs;
}

/** What each kind of record holds. */
interface RecordKinds {
  completed: CompletionMarker;
  hash: HashRecord;
  outputs: OutputsFingerprint;
}
type RecordKind = keyof RecordKinds;
const KINDS: readonly RecordKind[] = ['completed', 'hash', 'outputs'];

/** The compacted records every run starts from. */
const BASE = 'base.jsonl';
/** A run's own file: `run-<ms since the epoch>-pid<pid>-<uuid>.jsonl`, so names sort by start. */
const RUN_FILE = /^run-(\d+)-pid(\d+)-[0-9a-f-]+\.jsonl$/;

/**
 * What orch remembers of each task between runs, as records in one file per run (issue 13: not
 * two small files per task): its completion marker, the inputs of its last hash, and the
 * fingerprint of its outputs as orch last stored or restored them. A run appends to
 * `<stateDir>/records/run-….jsonl`, each batch of records in one write; when it ends it folds
 * its file and those of finished runs into `base.jsonl` (atomically, under a lock), so a run
 * reads one or a few files. The last record of a kind for a task wins.
 *
 * A line is `<kind>\t<task id as JSON>\t<hash>\t<record as JSON>`: loading parses only the
 * header, a record (hash inputs can be large) when it is asked for, and whether a task's record
 * is for a hash needs no parse at all (`hashOf`). Records are not fsynced: one lost to
 * a crash only makes a task run, or its outputs be restored, again.
 */
export class TaskRecords {
  private loaded: Promise<Map<RecordKind, Map<string, string>>> | undefined;
  private readonly parsed = new Map<string, unknown>();
  private queued: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private runFile: string | undefined;
  readonly dir: string;

  constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'records');
  }

  /** The records of an engine's state folder, one instance shared by its plugins. */
  static of(engine: Engine): TaskRecords {
    let records = perEngine.get(engine);
    if (!records) {
      records = new TaskRecords(resolve(engine.config.root, engine.config.stateDir));
      perEngine.set(engine, records);
    }
    return records;
  }

  /** The last record of `kind` for the task, if any. */
  async get<K extends RecordKind>(kind: K, id: string): Promise<RecordKinds[K] | undefined> {
    const rest = (await this.load()).get(kind)!.get(id);
    if (rest === undefined) return undefined;
    const raw = rest.slice(rest.indexOf('\t') + 1);
    let value = this.parsed.get(raw);
    if (value === undefined) {
      try {
        value = JSON.parse(raw);
      } catch {
        return undefined;
      }
      this.parsed.set(raw, value);
    }
    return value as RecordKinds[K];
  }

  /** Records `value` as the task's last of `kind`; written with the others queued in the same turn. */
  /** The hash the task's last record of `kind` is for (its `hash`), read without parsing the record. */
  async hashOf(kind: RecordKind, id: string): Promise<string | undefined> {
    const rest = (await this.load()).get(kind)!.get(id);
    return rest === undefined ? undefined : rest.slice(0, rest.indexOf('\t')) || undefined;
  }

  put<K extends RecordKind>(kind: K, id: string, value: RecordKinds[K]): void {
    const raw = JSON.stringify(value);
    const rest = `${/^[0-9a-f]*$/.test(value.hash ?? '') ? (value.hash ?? '') : ''}\t${raw}`;
    this.parsed.set(raw, value);
    void this.load().then((records) => records.get(kind)!.set(id, rest));
    this.queued.push(`${kind}\t${JSON.stringify(id)}\t${rest}\n`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.writing.then(() => this.write()).catch(() => undefined);
    });
  }

  /** Resolves when every record put so far is written (a failure to write is not reported: see above). */
  async flush(): Promise<void> {
    await this.writing;
    if (this.queued.length > 0) await (this.writing = this.writing.then(() => this.write()).catch(() => undefined));
  }

  /**
   * Folds this run's file and those of runs that ended (or whose process is gone) into
   * `base.jsonl`, keeping the last record of each kind per task. Under a lock: a run that
   * compacts at the same time waits, and a file still being appended to is never folded.
   */
  async compact(): Promise<void> {
    await this.flush();
    const before = await readdir(this.dir).catch(() => [] as string[]);
    if (!before.some((name) => RUN_FILE.test(name))) return;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile().lock(this.dir, { lockfilePath: join(this.dir, 'lock'), retries: { retries: 20, minTimeout: 20, maxTimeout: 200 }, stale: 60_000 });
    } catch {
      return;
    }
    try {
      const names = await readdir(this.dir);
      const mine = this.runFile;
      const folded = names.filter((name) => {
        const match = RUN_FILE.exec(name);
        return match !== null && (name === mine || !processAlive({ pid: Number(match[2]), host: hostname() }));
      });
      if (folded.length === 0) return;
      const records = emptyTables();
      for (const name of [BASE, ...folded.sort()]) readLines(await readFile(join(this.dir, name), 'utf8').catch(() => ''), records);
      const lines: string[] = [];
      for (const kind of KINDS) for (const [id, rest] of records.get(kind)!) lines.push(`${kind}\t${JSON.stringify(id)}\t${rest}\n`);
      const temporary = join(this.dir, `${BASE}.${process.pid}.tmp`);
      await writeFile(temporary, lines.join(''));
      await rename(temporary, join(this.dir, BASE));
      await Promise.all(folded.map((name) => rm(join(this.dir, name), { force: true })));
      if (mine && folded.includes(mine)) this.runFile = undefined;
    } catch {
      // An unreadable folder keeps the run files; the next run folds them.
    } finally {
      await release().catch(() => undefined);
    }
  }

  private load(): Promise<Map<RecordKind, Map<string, string>>> {
    this.loaded ??= (async () => {
      const records = emptyTables();
      const names = await readdir(this.dir).catch(() => [] as string[]);
      const runs = names.filter((name) => RUN_FILE.test(name)).sort();
      for (const name of [BASE, ...runs]) readLines(await readFile(join(this.dir, name), 'utf8').catch(() => ''), records);
      return records;
    })();
    return this.loaded;
  }

  private async write(): Promise<void> {
    if (this.queued.length === 0) return;
    const data = this.queued.join('');
    this.queued = [];
    if (!this.runFile) {
      await mkdir(this.dir, { recursive: true });
      this.runFile = `run-${Date.now()}-pid${process.pid}-${randomUUID()}.jsonl`;
    }
    await appendFile(join(this.dir, this.runFile), data);
  }
}

function emptyTables(): Map<RecordKind, Map<string, string>> {
  return new Map(KINDS.map((kind) => [kind, new Map<string, string>()]));
}

/** Folds `kind\tid\thash\trecord` lines into the tables (id → `hash\trecord`); a torn or foreign line is skipped. */
function readLines(text: string, records: Map<RecordKind, Map<string, string>>): void {
  let position = 0;
  while (position < text.length) {
    const end = text.indexOf('\n', position);
    if (end < 0) break; // a torn last line (the process died while writing it)
    const line = text.slice(position, end);
    position = end + 1;
    const first = line.indexOf('\t');
    const second = first < 0 ? -1 : line.indexOf('\t', first + 1);
    if (second < 0 || line.indexOf('\t', second + 1) < 0) continue;
    const table = records.get(line.slice(0, first) as RecordKind);
    if (!table) continue;
    let id: unknown;
    try {
      id = JSON.parse(line.slice(first + 1, second));
    } catch {
      continue;
    }
    if (typeof id === 'string') table.set(id, line.slice(second + 1));
  }
}
