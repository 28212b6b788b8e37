import type { GateVerdict, OrchEvent, TaskOutcome } from '@orch/engine';

/**
 * One event of the Chrome trace event format (the JSON Perfetto and chrome://tracing open):
 * `X` a complete slice, `b`/`e` the two ends of an async slice (which may overlap others on its
 * track), `i` an instant, `M` metadata naming a track. Times in µs since orch started.
 * https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'b' | 'e' | 'i' | 'M';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  cat?: string;
  id?: number;
  s?: 't';
  args?: Record<string, unknown>;
}

/** orch's process in the trace; its own track (start-up, the run, shutdown) and the async hashing track. */
const PID = 1;
const ORCH_TRACK = 0;

/** A task on its slot while it runs. */
interface OpenTask {
  slot: number;
  startUs: number;
  stages: TraceEvent[];
}

/**
 * Records a run as a trace (`--profile <file>`; issue 14 part 3): one track per concurrency slot
 * (a task takes the lowest free slot as it starts), each task a complete slice with its stages
 * nested in it; a cache hit's restore and every gate check (their verdicts as args, failures and
 * warnings as instants) are visible inside; orch's start-up, the run and its ending on a track of
 * orch's own, and each task's hashing and cache lookup (its deploy stage) on an async track.
 * A task whose log has only its end (a cache hit) is placed by its end and duration.
 * `now` gives µs since orch started (`performance.now()`, whose origin is the process's start).
 */
export class RunProfile {
  private readonly events: TraceEvent[] = [];
  private readonly open = new Map<string, OpenTask>();
  /** When each slot is free again (µs); a running task's slot is Infinity. */
  private readonly slots: number[] = [];
  private readonly sessionStartUs: number;
  private runStartUs: number | undefined;
  private runEndUs: number | undefined;
  private hashes = 0;

  constructor(
    private readonly now: () => number,
    attachedUs: number,
  ) {
    this.events.push({ name: 'start-up: config, plugins, discovery, graph, plan', cat: 'orch', ph: 'X', pid: PID, tid: ORCH_TRACK, ts: 0, dur: attachedUs });
    this.sessionStartUs = attachedUs;
  }

  /** Takes one engine event (a `hooks.event` tap). */
  record(event: OrchEvent): void {
    const at = this.now();
    switch (event.type) {
      case 'run-started':
        this.complete('session: orphans, lock, log', 'orch', ORCH_TRACK, this.sessionStartUs, at);
        this.runStartUs = at;
        this.slots.length = 0;
        for (let slot = 0; slot < event.concurrency; slot++) this.slots.push(0);
        break;
      case 'task-started':
        this.open.set(event.id, { slot: this.takeSlot(at, at), startUs: at, stages: [] });
        break;
      case 'task-stage':
        this.stage(event, at);
        break;
      case 'task-finished':
        this.finish(event.outcome, at);
        break;
      case 'run-finished':
        if (this.runStartUs !== undefined) this.complete('run', 'orch', ORCH_TRACK, this.runStartUs, at, { succeeded: event.summary.succeeded, failed: event.summary.failed, durationMs: event.summary.durationMs });
        this.runEndUs = at;
        break;
    }
  }

  /** The trace, ended now (what orch did after the run: writing state, closing the cache). */
  trace(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
    const end = this.now();
    if (this.runEndUs !== undefined) this.complete('shutdown: state, cache uploads', 'orch', ORCH_TRACK, this.runEndUs, end);
    const names: TraceEvent[] = [
      { name: 'process_name', ph: 'M', pid: PID, tid: ORCH_TRACK, ts: 0, args: { name: 'orch' } },
      { name: 'thread_name', ph: 'M', pid: PID, tid: ORCH_TRACK, ts: 0, args: { name: 'orch' } },
      { name: 'thread_sort_index', ph: 'M', pid: PID, tid: ORCH_TRACK, ts: 0, args: { sort_index: -1 } },
      ...this.slots.map((_, slot): TraceEvent => ({ name: 'thread_name', ph: 'M', pid: PID, tid: slot + 1, ts: 0, args: { name: `slot ${slot + 1}` } })),
    ];
    return { traceEvents: [...names, ...this.events], displayTimeUnit: 'ms' };
  }

  private stage(event: Extract<OrchEvent, { type: 'task-stage' }>, at: number): void {
    const dur = event.durationMs * 1000;
    const start = at - dur;
    const verdicts = event.verdicts ?? [];
    const slice: TraceEvent = {
      name: verdicts.length > 0 ? `${event.stage} (${verdicts.length} gate${verdicts.length === 1 ? '' : 's'})` : event.stage,
      cat: verdicts.length > 0 ? 'gates' : 'stage',
      ph: 'X',
      pid: PID,
      tid: 0,
      ts: start,
      dur,
      args: { status: event.status, ...(event.message ? { message: event.message } : {}), ...(verdicts.length > 0 ? { verdicts: verdicts.map(verdictText) } : {}) },
    };
    this.open.get(event.id)?.stages.push(slice, ...verdicts.filter((v) => v.status === 'fail' || v.status === 'warn').map((v): TraceEvent => ({ name: `${v.status} ${v.gate}`, cat: 'gates', ph: 'i', s: 't', pid: PID, tid: 0, ts: at, args: { message: v.message } })));
    if (event.stage === 'deploy') {
      const id = ++this.hashes;
      this.events.push(
        { name: `hash + cache lookup: ${event.id}`, cat: 'hashing', ph: 'b', id, pid: PID, tid: ORCH_TRACK, ts: start, args: { task: event.id } },
        { name: `hash + cache lookup: ${event.id}`, cat: 'hashing', ph: 'e', id, pid: PID, tid: ORCH_TRACK, ts: at },
      );
    }
  }

  private finish(outcome: TaskOutcome, at: number): void {
    const open = this.open.get(outcome.id);
    this.open.delete(outcome.id);
    const start = open?.startUs ?? at - outcome.durationMs * 1000;
    const slot = open?.slot ?? this.takeSlot(start, at);
    this.slots[slot] = at;
    const tid = slot + 1;
    this.events.push({
      name: outcome.id,
      cat: outcome.cached ? 'task,cache' : 'task',
      ph: 'X',
      pid: PID,
      tid,
      ts: start,
      dur: Math.max(0, at - start),
      args: { status: outcome.status, ...(outcome.hash ? { hash: outcome.hash } : {}), cache: outcome.cached ? `hit (${outcome.cached})` : 'miss', ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }), ...(outcome.error ? { error: outcome.error } : {}) },
    });
    const stages = open?.stages ?? [];
    // A hit's restore: its execute stage replays the entry; a hit that logged only its end is all restore.
    const restore = stages.find((s) => s.name === 'execute');
    if (outcome.cached && restore) restore.name = `restore from ${outcome.cached} cache`;
    if (outcome.cached && !restore) stages.push({ name: `restore from ${outcome.cached} cache`, cat: 'cache', ph: 'X', pid: PID, tid, ts: start, dur: Math.max(0, at - start) });
    for (const slice of stages) {
      // Stages are timed by the task's own clock: keep them inside its slice.
      slice.tid = tid;
      if (slice.ph === 'X') {
        const from = Math.max(start, slice.ts);
        slice.dur = Math.max(0, Math.min(at, slice.ts + slice.dur!) - from);
        slice.ts = from;
      } else slice.ts = Math.min(Math.max(start, slice.ts), at);
      this.events.push(slice);
    }
  }

  /** The lowest slot free at `start` (one more track when none is: a hit placed after the fact). */
  private takeSlot(start: number, end: number): number {
    let slot = this.slots.findIndex((freeAt) => freeAt <= start);
    if (slot < 0) slot = this.slots.push(0) - 1;
    this.slots[slot] = end === start ? Infinity : end;
    return slot;
  }

  private complete(name: string, cat: string, tid: number, from: number, to: number, args?: Record<string, unknown>): void {
    this.events.push({ name, cat, ph: 'X', pid: PID, tid, ts: from, dur: Math.max(0, to - from), ...(args ? { args } : {}) });
  }
}

function verdictText(verdict: GateVerdict): string {
  return `${verdict.gate}: ${verdict.status}${verdict.message ? ` (${verdict.message})` : ''}`;
}
