import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { logLevelShows, type SessionInfo } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { reportOrphans } from '../reportOrphans.js';
import { runRequest } from '../runOptions.js';
import type { Survey, WatchRequest } from './surveyWorkspace.js';
import { pluginsModule } from '../lazyModules.js';

/** The session a watch records its cycles in, held until `close`. */
export interface WatchSession {
  /** Given to every cycle's run; absent when the config turns session logs off (`sessions.log: false`). */
  info?: SessionInfo;
  /** Releases the session's lock: the watch has ended its tasks. */
  close(): Promise<void>;
}

/**
 * Opens the session of an `orch watch` (FINDINGS-15, 1 and 3): first ends what a run or watch
 * killed with `kill -9` left running (as `orch run` does), then takes a new session, held by
 * this process until the watch ends. Every cycle and persistent task runs in it, so the process
 * groups they start are on file before they can outlive a killed watch (the next orch ends
 * them), and `orch logs`, `orch sessions` and `orch status` find what the watch ran. Its status
 * is `watching` while this process lives, `stopped` after; `orch resume` does not take it.
 */
export async function openWatchSession(survey: Survey, request: WatchRequest, io: CliIO): Promise<WatchSession> {
  const { config, engine } = survey.workspace;
  const { SessionStore, endOrphanedProcesses, processIdentity } = await pluginsModule();
  const store = new SessionStore(resolve(config.root, config.stateDir));
  const orphans = await endOrphanedProcesses(store);
  if (logLevelShows('warn', engine.output.logLevel)) reportOrphans(orphans, io);
  if (!config.sessions.log) return { close: async () => {} };
  const id = SessionStore.newId();
  const startedAt = new Date().toISOString();
  const release = await store.acquire(id, { ...processIdentity(process.pid), host: hostname(), startedAt, argv: [...request.argv] });
  const info: SessionInfo = {
    id,
    request: runRequest(request.names, request.args, request.values, survey.settings, config),
    argv: [...request.argv],
    pid: process.pid,
    host: hostname(),
    startedAt,
    watch: true,
  };
  return { info, close: () => release().catch(() => undefined) };
}
