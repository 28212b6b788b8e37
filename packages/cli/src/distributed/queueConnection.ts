import { isIP } from 'node:net';
import { OrchError } from '@orch/engine';
import type { RedisOptions } from 'ioredis';

/** The variables a queue's credentials come from: never the URL (docs/distributed.md#security). */
export const QUEUE_CREDENTIALS = { username: 'ORCH_QUEUE_USERNAME', password: 'ORCH_QUEUE_PASSWORD' } as const;

/** The key prefix of everything orch keeps in Redis (BullMQ's `prefix`). */
export const QUEUE_PREFIX = 'orch';

/** A Redis server to distribute through: how to connect, and how to name it in messages. */
export interface QueueLocation {
  /** `redis://host:port[/db]` or `rediss://...`, without credentials: safe to print and record. */
  url: string;
  /** ioredis options; the password, if any, came from `ORCH_QUEUE_PASSWORD`. */
  connection: RedisOptions;
}

/**
 * The queue a `--distribute` or `--queue` URL names. `redis://host[:port][/db]` or
 * `rediss://...` (TLS, verified against the system's certificate authorities, as ioredis does).
 * A URL holding a user name or password is refused: it would be recorded in the session log, the
 * shell's history and `ps`; credentials come from `ORCH_QUEUE_USERNAME` / `ORCH_QUEUE_PASSWORD`.
 * Throws `OrchError('usage')` naming the option.
 */
export function queueLocation(value: string, option: string, env: NodeJS.ProcessEnv = process.env): QueueLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OrchError('usage', `${option} ${value}: not a URL`, { hint: `e.g. ${option} redis://queue-host:6379` });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new OrchError('usage', `${option}: expected a redis:// or rediss:// URL, not ${url.protocol}//`, { hint: `e.g. ${option} redis://queue-host:6379 (rediss:// for TLS)` });
  }
  if (url.username !== '' || url.password !== '') {
    throw new OrchError('usage', `${option}: the URL holds credentials, which would be recorded in the session log and shown by ps`, {
      hint: `give the URL without them and set ${QUEUE_CREDENTIALS.password} (and ${QUEUE_CREDENTIALS.username} for a Redis ACL user) in the environment`,
    });
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new OrchError('usage', `${option}: '/${db}' is not a database number`, { hint: `e.g. ${option} redis://queue-host:6379/0` });
  const port = url.port === '' ? 6379 : Number(url.port);
  const username = env[QUEUE_CREDENTIALS.username];
  const password = env[QUEUE_CREDENTIALS.password];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const connection: RedisOptions = {
    host,
    port,
    ...(db === '' ? {} : { db: Number(db) }),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    // TLS's server name (SNI) is a host name, never an address: Node warns about one (DEP0123).
    ...(url.protocol === 'rediss:' ? { tls: isIP(host) === 0 ? { servername: host } : {} } : {}),
    // BullMQ's blocking commands wait as long as they need; a lost connection is retried with a
    // backoff (at most 2 s apart) and judged by the caller's own time limit (QUEUE_LOST_MS).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
  return { url: `${url.protocol}//${url.host}${db === '' ? '' : `/${db}`}`, connection };
}
