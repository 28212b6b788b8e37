import { createHash } from 'node:crypto';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The folder of this user's daemon sockets: `$TMPDIR/orch-daemon-<uid>`, mode 0700, as
 * Turborepo keeps `turbod` sockets in a temporary folder: a socket path must stay under ~100
 * bytes, which a repository's own path cannot promise. The folder must be a real folder owned
 * by this user that no one else can enter, else another user could answer as orch's daemon.
 */
export function daemonSocketFolder(): string {
  return join(tmpdir(), `orch-daemon-${process.getuid?.() ?? 'user'}`);
}

/** Whether the socket folder can be trusted: a folder, not a link, ours, closed to others. */
export function trustedSocketFolder(folder = daemonSocketFolder()): boolean {
  try {
    const stat = lstatSync(folder);
    return stat.isDirectory() && (process.getuid === undefined || stat.uid === process.getuid()) && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The socket of the daemon serving the workspace rooted at `root` (a real path). */
export function daemonSocketPath(root: string): string {
  return join(daemonSocketFolder(), `${createHash('sha256').update(root).digest('hex').slice(0, 24)}.sock`);
}

/**
 * The socket of a daemon serving `cwd` or a folder above it (the nearest), if the socket folder
 * can be trusted. A socket that is there may still belong to a daemon that died: connecting says.
 * With `suffix`, the nearest whose file `<socket><suffix>` is there (`.holder`: a daemon starting).
 */
export function findDaemonSocket(cwd: string, suffix = ''): string | undefined {
  if (!trustedSocketFolder()) return undefined;
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  for (;;) {
    const socket = daemonSocketPath(dir);
    if (existsSync(socket + suffix)) return socket;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
