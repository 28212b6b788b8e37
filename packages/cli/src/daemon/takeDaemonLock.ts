import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pluginsModule } from '../lazyModules.js';

/**
 * The daemon's lock for its socket (proper-lockfile, beside the socket), with its holder's
 * identity (pid and start time) written next to it: a holder that is gone (kill -9) leaves a
 * lock that is taken over at once rather than after proper-lockfile's staleness time. Undefined
 * when a live daemon holds it.
 */
export async function takeDaemonLock(socketPath: string): Promise<(() => Promise<void>) | undefined> {
  const { lock } = createRequire(import.meta.url)('proper-lockfile') as { lock(file: string, options: object): Promise<() => Promise<void>> };
  const { processIdentity, checkProcess } = await pluginsModule();
  const options = { realpath: false, lockfilePath: `${socketPath}.lock`, stale: 20_000, update: 5_000, onCompromised: () => process.exit(0) };
  const holderFile = `${socketPath}.holder`;
  const take = async (): Promise<() => Promise<void>> => {
    const release = await lock(socketPath, options);
    writeFileSync(holderFile, JSON.stringify(processIdentity(process.pid)));
    return release;
  };
  try {
    return await take();
  } catch {
    let holder: ReturnType<typeof processIdentity> | undefined;
    try {
      holder = JSON.parse(readFileSync(holderFile, 'utf8')) as ReturnType<typeof processIdentity>;
    } catch {
      holder = undefined;
    }
    // A lock without a holder yet is one another daemon is taking right now.
    if (!holder) return undefined;
    if (checkProcess(holder) !== 'gone' && checkProcess(holder) !== 'other') return undefined;
    rmSync(`${socketPath}.lock`, { recursive: true, force: true });
    return take().catch(() => undefined);
  }
}
