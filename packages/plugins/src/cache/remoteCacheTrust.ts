import { OrchError, type ResolvedCacheConfig, type ResolvedRemoteCacheConfig } from '@orch/engine';

/**
 * How far downloads from the remote cache are trusted (issue 11, part 3: verified by default,
 * fail-closed): `verified` (signed with the configured key), `unverified` (`verify: false`:
 * restored unchecked) or `refused` (no key and verification not turned off: no remote reads).
 */
export type RemoteReads = 'verified' | 'unverified' | 'refused';

export interface RemoteTrust {
  reads: RemoteReads;
  /** The HMAC key, when `signatureKeyEnv` names a variable that is set. */
  signatureKey?: string;
  /** `signatureKeyEnv` when its variable is not set: `requireRemoteCacheKey` stops commands that use the remote cache. */
  missingKeyEnv?: string;
  /** For people: what reads are, and what to change. */
  describe: string;
}

/** The remote cache's trust from its settings and the environment. */
export function remoteCacheTrust(remote: ResolvedRemoteCacheConfig, env: NodeJS.ProcessEnv = process.env): RemoteTrust {
  const name = remote.signatureKeyEnv;
  const signatureKey = name ? env[name] || undefined : undefined;
  if (name && !signatureKey) return { reads: 'refused', missingKeyEnv: name, describe: `off: ${name} (cache.remote.signatureKeyEnv) is not set` };
  if (!remote.verify) return { reads: 'unverified', ...(signatureKey ? { signatureKey } : {}), describe: 'not verified (cache.remote.verify: false): an artifact is restored without a signature check' };
  if (signatureKey) return { reads: 'verified', signatureKey, describe: `verified (HMAC-SHA256, key in ${name})` };
  return {
    reads: 'refused',
    describe: 'off: artifacts cannot be verified without a signing key; set cache.remote.signatureKeyEnv (and that variable) to sign and verify them, or cache.remote.verify: false to trust the server (docs/caching.md)',
  };
}

/**
 * Stops a command that would use the remote cache when `signatureKeyEnv` names a variable that
 * is not set: running on would accept or upload unsigned artifacts without a word (exit 2).
 */
export function requireRemoteCacheKey(settings: ResolvedCacheConfig, env: NodeJS.ProcessEnv = process.env): void {
  const remote = settings.remote;
  if (!remote || remote.access === 'off') return;
  const { missingKeyEnv } = remoteCacheTrust(remote, env);
  if (!missingKeyEnv) return;
  throw new OrchError('config-invalid', `cache.remote.signatureKeyEnv names ${missingKeyEnv}, which is not set: remote artifacts could be neither signed nor verified`, {
    hint: `set ${missingKeyEnv} to the signing key shared by every machine that uses the cache, or run with --cache=remote:off`,
  });
}
