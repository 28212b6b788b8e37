import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkSessionId } from '@orch/engine';

/**
 * Where runs keep their tasks' output: `<stateDir>/logs/<session id>/`, a `.log` and a `.streams`
 * file per task that printed anything (the engine's `TaskLog`); `orch resume` writes into its
 * session's folder again. Folders beyond the newest `keep` (config `sessions.keep`, by last
 * change) are removed, except those of sessions still running.
 */
export class RunLogs {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'logs');
  }

  /** The run's log folder; a run id that is not a plain session id is a usage error, never a path outside `logs/`. */
  folder(runId: string): string {
    return join(this.dir, checkSessionId(runId, 'session id'));
  }

  prune(keep: number, isLive: (runId: string) => boolean): void {
    let folders: { name: string; changed: number }[];
    try {
      folders = readdirSync(this.dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => ({ name: entry.name, changed: statSync(join(this.dir, entry.name)).mtimeMs }));
    } catch {
      return;
    }
    folders.sort((a, b) => b.changed - a.changed || b.name.localeCompare(a.name));
    for (const { name } of folders.slice(Math.max(0, keep))) {
      try {
        if (!isLive(name)) rmSync(this.folder(name), { recursive: true, force: true });
      } catch {
        // Housekeeping: a folder that cannot be removed now is tried again after the next run.
      }
    }
  }
}
