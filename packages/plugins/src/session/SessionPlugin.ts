import { definePlugin, REATTACHABLE, type OrchEvent } from '@orch/engine';
import { SessionLog } from './SessionLog.js';
import { SessionStore } from './SessionStore.js';
import { resolve } from 'node:path';

const PLUGIN_NAME = 'orch:session';

/** Events that are not state: output is in the task's log and the cache, the rest is start-up. */
const NOT_LOGGED = new Set<OrchEvent['type']>(['task-output', 'plugins-applied', 'discovery-started', 'discovery-finished']);

/**
 * The session log: every event of a run that has a session (`session-started`) is appended to
 * `<stateDir>/sessions/<id>/events.jsonl`; at each checkpoint (before a task executes, after each
 * of its steps, when tasks end) what was queued is written in one write and made durable with
 * one fdatasync (group commit: tasks that end in the same turn share it; a cache hit leaves one
 * event, its end, written with the others of its turn, neither synced nor waited for). At
 * shutdown a snapshot of the folded state is written atomically. `sessions.fsync: false` keeps the
 * log but skips fdatasync (survives a crash of orch, not of the machine).
 */
export function sessionPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const store = new SessionStore(resolve(engine.config.root, engine.config.stateDir));
      let log: SessionLog | undefined;
      let id: string | undefined;

      // A task's events from its start wait here, with when they happened (ms since the epoch),
      // until it is known whether the cache answered it: a hit leaves one event in the log, its
      // end (with its hash); a task that executes has them all written before it does (its
      // checkpoint), as before. Stamped copies are made only then: a hit's are dropped unmade.
      const held = new Map<string, [OrchEvent, number][]>();
      const release = (task: string): void => {
        for (const [event, t] of held.get(task) ?? []) log?.append({ ...event, t });
        held.delete(task);
      };

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type === 'session-started') {
          id = event.session.id;
          log ??= new SessionLog(store.logPath(id), { fsync: engine.config.sessions.fsync });
        }
        if (!log || NOT_LOGGED.has(event.type)) return;
        // A started process is on file before it can outlive orch (see endOrphanedProcesses), and
        // the run is, before its first task starts: killed any time after, it can be resumed.
        if ((event.type === 'task-process' && event.state === 'started') || event.type === 'session-started' || event.type === 'run-started') return log.appendNow(event);
        if (event.type === 'task-started') return void held.set(event.id, [[event, Date.now()]]);
        if (event.type === 'task-finished') {
          if (event.outcome.cached) held.delete(event.outcome.id);
          else release(event.outcome.id);
        } else if ('id' in event && typeof event.id === 'string' && held.has(event.id)) return void held.get(event.id)!.push([event, Date.now()]);
        log.append(event);
      });

      // A cache hit's end is written with the others of the same turn of the event loop, not
      // synced and not waited for: lost to a crash, the task is simply a hit again. So is the
      // start of a task whose execution a resume finds again (REATTACHABLE: a distributed job).
      // Everything else is durable before it is acted on.
      let writing = false;
      const writeSoon = (): void => {
        if (writing) return;
        writing = true;
        setImmediate(() => {
          writing = false;
          // A failed write fails the next flush, which stops the run.
          log?.flush({ sync: false }).catch(() => undefined);
        });
      };
      engine.hooks.checkpoint.tapPromise(PLUGIN_NAME, async (task, stage) => {
        release(task.id);
        if (!log) return;
        if ((stage === 'persist' && task.data.get('orch:cached') !== undefined) || (stage === 'execute' && task.data.get(REATTACHABLE) === true)) writeSoon();
        else await log.flush();
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        for (const task of [...held.keys()]) release(task);
        if (!log || !id) return;
        const done = log;
        log = undefined;
        // Every event is written before the result is out (a killed process loses none of it);
        // its fdatasync, against a machine's crash, and the snapshot, which only spares the next
        // reader a fold of the log, come after: under the daemon, once the client has its exit
        // code (a full hit's last sync took 2-50 ms here). Lost to a crash, a hit is a hit again.
        await done.flush({ sync: false }).catch(() => undefined);
        const session = id;
        engine.background(PLUGIN_NAME, async () => {
          await done.close();
          // A failed write stopped the run and was reported by it; a snapshot cannot be trusted.
          if (done.failed) return;
          const { state, offset } = store.load(session);
          await store.writeSnapshot(session, state, offset);
          store.prune(engine.config.sessions.keep);
        });
      });
    },
  });
}
