import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

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
  /** The largest artifact downloaded, in bytes (`cache.remote.maxArtifactSize`). Default 1 GiB. */
  maxArtifactBytes?: number;
  /** Where a token is read from (`ORCH_REMOTE_CACHE_TOKEN or TURBO_TOKEN`): named when none was set and the server refuses. */
  tokenVariables?: string;
}

const DEFAULT_MAX_ARTIFACT_BYTES = 1024 ** 3;
/** Why an upload of a large artifact fails, and what to do. */
const TOO_LARGE_HINT = "the server may limit an artifact's size (turborepo-remote-cache: BODY_LIMIT, 100 MB by default)";
/** A signature tag longer than this is not one (base64 of an HMAC-SHA256 is 44 characters). */
const MAX_TAG_BYTES = 1024;

/** An artifact as stored remotely: `ORCH1`, the tag's length (4 bytes), the tag, then the payload (a gzipped tar of the entry folder). */
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

  /** The largest artifact read, in bytes: its download, and what its meta.json may declare unpacked. */
  readonly maxArtifactBytes: number;

  constructor(private readonly options: RemoteCacheOptions) {
    this.maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  }

  private endpoint(path: string): string {
    const url = new URL(`/v8/artifacts${path}`, this.options.url);
    if (this.options.team) url.searchParams.set(this.options.team.startsWith('team_') ? 'teamId' : 'slug', this.options.team);
    return url.href;
  }

  private async request(method: string, path: string, body?: { stream: AsyncIterable<Buffer>; bytes: number }, headers: Record<string, string> = {}): Promise<Response | undefined> {
    if (this.open) return undefined;
    try {
      const response = await fetch(this.endpoint(path), {
        method,
        headers: { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...headers, ...(body ? { 'content-length': String(body.bytes) } : {}) },
        ...(body ? { body: ReadableStream.from(body.stream), duplex: 'half' } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      } as RequestInit);
      if (response.status >= 500) throw new RemoteCacheError(`the remote cache answered ${response.status} ${response.statusText}`);
      // Without a token, turborepo-remote-cache answers 400 (a missing header), others 401/403:
      // say the token is missing, and where it is read from (findings R2 #17).
      if (!this.options.token && [400, 401, 403].includes(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        throw new RemoteCacheError(`the remote cache answered ${response.status}: no token was sent, since ${this.options.tokenVariables ?? 'no token variable'} is not set; set it to the cache's token`);
      }
      if (response.status === 401 || response.status === 403) throw new RemoteCacheError(`the remote cache refused the token (${response.status}): check that it is valid for this cache and team`);
      this.failures = 0;
      return response;
    } catch (error) {
      this.failures++;
      if (this.failures >= (this.options.failureLimit ?? 3)) this.open = true;
      if (error instanceof RemoteCacheError) throw error;
      // A server that refuses a large body (413) may close the connection before reading it all.
      const code = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
      if (body && (code === 'EPIPE' || code === 'ECONNRESET')) throw new RemoteCacheError(`the remote cache at ${this.options.url} closed the connection while ${body.bytes} bytes were sent (${this.failureReason(error)}); ${TOO_LARGE_HINT}`);
      throw new RemoteCacheError(`the remote cache at ${this.options.url} is unreachable: ${this.failureReason(error)}`);
    }
  }

  private failureReason(error: unknown): string {
    return (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
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

  /**
   * Downloads the payload stored for a hash into `file`, streamed (never whole in memory), and
   * checks its signature (unless `verify: false`) once it is all there. Undefined when the server
   * has none. Throws a RemoteCacheError when the artifact is larger than `maxArtifactBytes`
   * (before reading past it), not signed or badly signed; `file` then holds nothing to use.
   */
  async get(hash: string, file: string): Promise<{ durationMs?: number } | undefined> {
    const response = await this.request('GET', `/${hash}`);
    if (!response || response.status === 404) {
      await response?.body?.cancel();
      return undefined;
    }
    const refuse = async (reason: string): Promise<never> => {
      await response.body?.cancel().catch(() => undefined);
      throw new RemoteCacheError(`refused the artifact for ${hash.slice(0, 12)}: ${reason}`);
    };
    if (!response.ok) {
      await response.body?.cancel();
      throw new RemoteCacheError(`the remote cache answered ${response.status} for ${hash}`);
    }
    const limit = this.maxArtifactBytes;
    const tooLarge = `it is larger than the ${limit} bytes cache.remote.maxArtifactSize allows`;
    if (Number(response.headers.get('content-length')) > limit + 9 + MAX_TAG_BYTES) await refuse(tooLarge);
    const verify = this.options.verify !== false;
    if (verify && !this.options.signatureKey) await refuse('there is no signing key to verify it with');
    const hmac = verify ? this.signer(hash) : undefined;
    const envelope = new Envelope();
    const out = createWriteStream(file);
    let bytes = 0;
    const write = async (payload: Buffer): Promise<void> => {
      bytes += payload.length;
      if (bytes > limit) await refuse(tooLarge);
      hmac?.update(payload);
      if (payload.length > 0 && !out.write(payload)) await once(out, 'drain');
    };
    try {
      for await (const chunk of response.body ?? []) await write(envelope.push(Buffer.from(chunk)));
      await write(envelope.end());
      out.end();
      await finished(out);
    } catch (error) {
      out.destroy();
      if (error instanceof RemoteCacheError) throw error;
      throw new RemoteCacheError(`the download of ${hash.slice(0, 12)} failed: ${this.failureReason(error)}`);
    }
    if (hmac) {
      const given = response.headers.get('x-artifact-tag') || envelope.tag;
      if (!given) await refuse('it is not signed');
      if (!sameTag(hmac.digest('base64'), given!)) await refuse('its signature does not match');
    }
    const duration = Number(response.headers.get('x-artifact-duration'));
    return Number.isFinite(duration) && duration > 0 ? { durationMs: duration } : {};
  }

  /** Uploads the payload in `file` (signed when there is a key), streamed from the file. */
  async put(hash: string, file: string, durationMs: number): Promise<void> {
    let tag = '';
    if (this.options.signatureKey) {
      const hmac = this.signer(hash);
      for await (const chunk of createReadStream(file)) hmac.update(chunk as Buffer);
      tag = hmac.digest('base64');
    }
    const header = envelopeHeader(tag);
    const stream = (async function* () {
      yield header;
      yield* createReadStream(file) as AsyncIterable<Buffer>;
    })();
    const response = await this.request('PUT', `/${hash}`, { stream, bytes: header.length + (await stat(file)).size }, {
      'content-type': 'application/octet-stream',
      'x-artifact-duration': String(Math.round(durationMs)),
      ...(tag ? { 'x-artifact-tag': tag } : {}),
    });
    if (!response) throw new RemoteCacheError('the remote cache is off for the rest of this run');
    await response.body?.cancel();
    if (!response.ok) throw new RemoteCacheError(`the remote cache refused the upload of ${hash.slice(0, 12)} (${response.status})${response.status === 413 ? `: ${TOO_LARGE_HINT}` : ''}`);
  }

  /** Turborepo's scheme: HMAC-SHA256 over the hash, the team, then the artifact; base64. */
  sign(hash: string, payload: Buffer): string {
    return this.signer(hash).update(payload).digest('base64');
  }

  /** The HMAC of Turborepo's scheme with the hash and team already in: update it with the artifact. */
  private signer(hash: string): Hmac {
    return createHmac('sha256', this.options.signatureKey!).update(hash).update(this.options.team ?? '');
  }
}

/** Two base64 tags, compared in constant time, padding aside. */
function sameTag(expected: string, given: string): boolean {
  const a = Buffer.from(expected.replace(/=+$/, ''));
  const b = Buffer.from(given.replace(/=+$/, ''));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `ORCH1`, the tag's length (4 bytes, big-endian), the tag. */
function envelopeHeader(tag: string): Buffer {
  const tagBytes = Buffer.from(tag);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(tagBytes.length);
  return Buffer.concat([MAGIC, length, tagBytes]);
}

/**
 * Reads the envelope off the front of a downloaded body as it streams: `push` gives back the
 * payload bytes of each chunk once the header is read. A body that does not start with `ORCH1`
 * is all payload (an artifact without the envelope); a tag longer than 1 KB is not one.
 */
class Envelope {
  tag: string | undefined;
  private head: Buffer | undefined = Buffer.alloc(0);

  push(chunk: Buffer): Buffer {
    if (!this.head) return chunk;
    const head = Buffer.concat([this.head, chunk]);
    if (head.length < 9) {
      this.head = head;
      return Buffer.alloc(0);
    }
    if (!head.subarray(0, 5).equals(MAGIC)) return this.payload(head);
    const length = head.readUInt32BE(5);
    if (length > MAX_TAG_BYTES) throw new RemoteCacheError(`the artifact's envelope names a ${length}-byte signature, which is not one`);
    if (head.length < 9 + length) {
      this.head = head;
      return Buffer.alloc(0);
    }
    this.tag = head.subarray(9, 9 + length).toString() || undefined;
    return this.payload(head.subarray(9 + length));
  }

  /** What is left once the body ended: a body shorter than the envelope is all payload. */
  end(): Buffer {
    return this.head ? this.payload(this.head) : Buffer.alloc(0);
  }

  private payload(bytes: Buffer): Buffer {
    this.head = undefined;
    return bytes;
  }
}
