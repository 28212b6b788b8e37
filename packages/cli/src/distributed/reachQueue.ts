import { OrchError, parseDuration } from '@orch/engine';
import { QUEUE_CREDENTIALS, type QueueLocation } from './queueConnection.js';

/**
 * How long the queue may be unreachable before the run fails (ms): a Redis restart or a short
 * network cut is retried through (ioredis reconnects with a backoff); a queue gone for a minute
 * fails the run naming it (docs/distributed.md#failures). `ORCH_QUEUE_TIMEOUT` (a duration:
 * `30s`, `5m`) overrides it.
 */
export const QUEUE_LOST_MS = 60_000;

/** How long one connection attempt may take (ms); attempts repeat until the caller's limit. */
const ATTEMPT_MS = 5000;
/** Pause between attempts (ms). */
const RETRY_MS = 500;

/**
 * Checks, before BullMQ connects, that the queue answers and accepts this process's credentials,
 * so a problem is said once in orch's words instead of BullMQ retrying forever (issue 16
 * findings #1, #6, #7, #8). A server that cannot be reached is tried again until `timeoutMs`
 * (ORCH_QUEUE_TIMEOUT); refused credentials and a failed TLS handshake fail at once. A password
 * the server does not need is dropped (one `warn`), not sent: ioredis would print its own warning
 * on every connection. `signal` (Ctrl-C, SIGTERM) ends the trying at once. Returns the location to connect with. Throws `OrchError('usage')` naming
 * the queue, what went wrong and a fix.
 */
export async function reachQueue(location: QueueLocation, timeoutMs: number, warn: (message: string) => void, signal?: AbortSignal): Promise<QueueLocation> {
  const { Redis } = await import('ioredis');
  const { password, username, ...anonymous } = location.connection;
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  let said = false;
  for (;;) {
    const client = new Redis({ ...anonymous, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: Math.max(100, Math.min(ATTEMPT_MS, deadline - Date.now())) });
    let failure: Error | undefined;
    client.on('error', (error: Error) => (failure ??= error));
    try {
      await client.connect();
      if (password === undefined) {
        await client.ping().catch((error: Error) => {
          throw /NOAUTH/i.test(error.message) ? refused(location, `authentication required (${error.message})`) : error;
        });
        return location;
      }
      const answer = await client.call('AUTH', ...(username ? [username] : []), password).then(
        () => undefined,
        (error: Error) => error,
      );
      if (!answer) return location;
      if (/no password is set|without any password configured/i.test(answer.message)) {
        warn(`the queue ${location.url} needs no password: ${QUEUE_CREDENTIALS.password} is not sent (unset it, or set a password on the server: requirepass)`);
        return { ...location, connection: anonymous };
      }
      throw refused(location, `authentication failed (${answer.message})`);
    } catch (error) {
      if (error instanceof OrchError) throw error;
      last = failure ?? (error as Error);
      if (!last.message) last = new Error(String((last as NodeJS.ErrnoException).code ?? 'connection failed'));
      if (location.connection.tls) throw tlsFailed(location, last);
    } finally {
      client.disconnect();
    }
    if (signal?.aborted) throw unreachable(location, timeoutMs - (deadline - Date.now()), last);
    if (Date.now() + RETRY_MS >= deadline) throw unreachable(location, timeoutMs, last);
    if (!said) warn(`waiting for the queue ${location.url} (${last.message}), for up to ${Math.round(timeoutMs / 1000)}s (ORCH_QUEUE_TIMEOUT)`);
    said = true;
    await new Promise((done) => {
      const timer = setTimeout(done, RETRY_MS);
      signal?.addEventListener('abort', () => (clearTimeout(timer), done(undefined)), { once: true });
    });
  }
}

function refused(location: QueueLocation, why: string): OrchError {
  return new OrchError('usage', `the queue ${location.url}: ${why}`, {
    hint: `set ${QUEUE_CREDENTIALS.password} (and ${QUEUE_CREDENTIALS.username} for a Redis ACL user) in the environment to the server's credentials`,
  });
}

function tlsFailed(location: QueueLocation, error: Error): OrchError {
  return new OrchError('usage', `the queue ${location.url}: the TLS connection failed (${error.message})`, {
    hint: `rediss:// needs a server that speaks TLS with a certificate this machine trusts; for a server without TLS use redis://${location.url.slice('rediss://'.length)}`,
  });
}

/** The queue stayed unreachable for `ms`: named with the last error seen. */
export function unreachable(location: QueueLocation, ms: number, error: Error | undefined): OrchError {
  return new OrchError('usage', `the queue ${location.url} could not be reached for ${Math.round(ms / 1000)}s${error ? ` (${error.message})` : ''}`, {
    hint: 'check that Redis runs there and this machine reaches it (redis-cli -u <url> ping); ORCH_QUEUE_TIMEOUT sets how long to try',
  });
}

/** QUEUE_LOST_MS, or `ORCH_QUEUE_TIMEOUT` when set. */
export function queueTimeout(): number {
  const value = parseDuration(process.env.ORCH_QUEUE_TIMEOUT);
  return value !== undefined && value > 0 ? value : QUEUE_LOST_MS;
}
