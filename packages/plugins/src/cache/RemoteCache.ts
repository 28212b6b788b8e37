import { createHmac, timingSafeEqual } from 'node:crypto';

export interface RemoteCacheOptions {
  url: string;
  token?: string;
  team?: string;
  /** HMAC-SHA256 key: artifacts are signed on upload and must carry a valid signature on download. */
  signatureKey?: string;
  /** Check downloads (default true): without `signatureKey`, every download is then refused. */
  verify?: boolean;
  timeoutMs: number;
  /** Consecutive failures after which the server is not called again this run. Default 3. */
  failureLimit?: number;
}

/** An artifact as stored remotely: `ORCH1`, the tag's length (4 bytes), the tag, then the payload. */
const MAGIC = Buffer.from('ORCH1');

export class RemoteCacheError extends Error {}

/**
 * A client for Turborepo's remote cache HTTP API (`/v8/artifacts/{hash}`, Bearer token, team
 * query, `x-artifact-duration`, `x-artifact-tag`), as served by `turborepo-remote-cache`.
 * Every failure is an error the caller turns into a warning; after `failureLimit` failures in
 * a row the circuit opens and the client stops calling for the rest of the run.
 */
export class RemoteCache {
  private failures = 0;
  open = false;

  constructor(private readonly options: RemoteCacheOptions) {}

  private endpoint(path: string): string {
    const url = new URL(`/v8/artifacts${path}`, this.options.url);
    if (this.options.team) url.searchParams.set(this.options.team.startsWith('team_') ? 'teamId' : 'slug', this.options.team);
    return url.href;
  }

  private async request(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response | undefined> {
    if (this.open) return undefined;
    try {
      const response = await fetch(this.endpoint(path), {
        method,
        headers: { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...headers },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status >= 500) throw new RemoteCacheError(`the remote cache answered ${response.status} ${response.statusText}`);
      if (response.status === 401 || response.status === 403) throw new RemoteCacheError(`the remote cache refused the token (${response.status})`);
      this.failures = 0;
      return response;
    } catch (error) {
      this.failures++;
      if (this.failures >= (this.options.failureLimit ?? 3)) this.open = true;
      if (error instanceof RemoteCacheError) throw error;
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
      throw new RemoteCacheError(`the remote cache at ${this.options.url} is unreachable: ${reason}`);
    }
  }

  /** Whether the server has an artifact for a hash (HEAD), without downloading it. */
  async has(hash: string): Promise<boolean> {
    const response = await this.request('HEAD', `/${hash}`);
    return response?.status === 200;
  }

  /** The server's own status (`GET /v8/artifacts/status`): `enabled`, `disabled`, `over_limit`, `paused`. */
  async status(): Promise<string> {
    const response = await this.request('GET', '/status');
    if (!response) return 'unreachable';
    if (!response.ok) return `error ${response.status}`;
    return ((await response.json()) as { status?: string }).status ?? 'unknown';
  }

  /** The payload stored for a hash, its signature checked (unless `verify: false`); undefined when the server has none. */
  async get(hash: string): Promise<{ payload: Buffer; durationMs?: number } | undefined> {
    const response = await this.request('GET', `/${hash}`);
    if (!response || response.status === 404) return undefined;
    if (!response.ok) throw new RemoteCacheError(`the remote cache answered ${response.status} for ${hash}`);
    const body = Buffer.from(await response.arrayBuffer());
    const { tag, payload } = unwrap(body);
    const headerTag = response.headers.get('x-artifact-tag') ?? undefined;
    if (this.options.verify !== false) {
      if (!this.options.signatureKey) throw new RemoteCacheError(`refused the artifact for ${hash.slice(0, 12)}: there is no signing key to verify it with`);
      const given = headerTag || tag;
      if (!given) throw new RemoteCacheError(`refused the artifact for ${hash.slice(0, 12)}: it is not signed`);
      if (!this.verify(hash, payload, given)) throw new RemoteCacheError(`refused the artifact for ${hash.slice(0, 12)}: its signature does not match`);
    }
    const duration = Number(response.headers.get('x-artifact-duration'));
    return { payload, ...(Number.isFinite(duration) && duration > 0 ? { durationMs: duration } : {}) };
  }

  async put(hash: string, payload: Buffer, durationMs: number): Promise<void> {
    const tag = this.options.signatureKey ? this.sign(hash, payload) : '';
    const response = await this.request('PUT', `/${hash}`, wrap(tag, payload), {
      'content-type': 'application/octet-stream',
      'x-artifact-duration': String(Math.round(durationMs)),
      ...(tag ? { 'x-artifact-tag': tag } : {}),
    });
    if (!response) throw new RemoteCacheError('the remote cache is off for the rest of this run');
    if (!response.ok) throw new RemoteCacheError(`the remote cache refused the upload of ${hash.slice(0, 12)} (${response.status})`);
  }

  /** Turborepo's scheme: HMAC-SHA256 over the hash, the team, then the artifact; base64. */
  sign(hash: string, payload: Buffer): string {
    return createHmac('sha256', this.options.signatureKey!).update(hash).update(this.options.team ?? '').update(payload).digest('base64');
  }

  private verify(hash: string, payload: Buffer, tag: string): boolean {
    const expected = Buffer.from(this.sign(hash, payload).replace(/=+$/, ''));
    const given = Buffer.from(tag.replace(/=+$/, ''));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function wrap(tag: string, payload: Buffer): Buffer {
  const tagBytes = Buffer.from(tag);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(tagBytes.length);
  return Buffer.concat([MAGIC, length, tagBytes, payload]);
}

function unwrap(body: Buffer): { tag?: string; payload: Buffer } {
  if (body.length < 9 || !body.subarray(0, 5).equals(MAGIC)) return { payload: body };
  const length = body.readUInt32BE(5);
  return { tag: body.subarray(9, 9 + length).toString() || undefined, payload: body.subarray(9 + length) };
}
