import { connect } from 'node:net';
import { lineReader, type DaemonFrame, type DaemonStatus } from './daemonProtocol.js';

/** Asks the daemon at `socketPath` for its status, or to stop; undefined when none answers within `timeoutMs`. */
export function askDaemon(socketPath: string, type: 'status' | 'stop', timeoutMs = 2_000): Promise<DaemonStatus | undefined> {
  return new Promise((settle) => {
    const socket = connect(socketPath);
    const done = (status: DaemonStatus | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      settle(status);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('connect', () => socket.write(`${JSON.stringify({ type })}\n`));
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
    const read = lineReader((frame) => {
      if ('s' in (frame as DaemonFrame)) done((frame as { s: DaemonStatus }).s);
    });
    socket.on('data', (chunk) => {
      try {
        read(chunk);
      } catch {
        done(undefined);
      }
    });
  });
}

/** Waits until `ready` holds, checking every 25 ms, for at most `timeoutMs`; whether it did. */
export async function waitFor(ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ready()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return ready();
}
