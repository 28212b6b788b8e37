import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CACHE_FORMAT } from '../../packages/plugins/src/cache/LocalCache.js';
import { tempRepo } from './tempRepo.js';

/** What a hostile or broken cache entry holds: its files, links and the output globs it claims. */
export interface CraftedEntry {
  taskId: string;
  files: Record<string, string>;
  links?: { path: string; target: string }[];
  outputs?: string[];
}

/** The log every crafted entry replays. */
const LOG = 'crafted\n';

/**
 * Writes a cache entry as orch lays it out (`meta.json`, `output.log` and its stream index
 * `output.streams`, `files/`; entry format 2), whole by every
 * check a read makes (sizes and checksums match), so what a restore does with it is what is
 * tested. `dir` is the entry folder.
 */
export function writeEntry(dir: string, hash: string, entry: CraftedEntry): void {
  const files = Object.entries(entry.files).map(([path, content]) => {
    const target = join(dir, 'files', path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    chmodSync(target, 0o755);
    return { path, size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex'), mode: 0o755 };
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'output.log'), LOG);
  writeFileSync(join(dir, 'output.streams'), '0 stdout\n');
  const meta = { format: CACHE_FORMAT, log: { bytes: Buffer.byteLength(LOG) }, hash, taskId: entry.taskId, exitCode: 0, durationMs: 1, createdAt: new Date().toISOString(), files, outputs: entry.outputs ?? ['dist/**'], ...(entry.links ? { links: entry.links } : {}) };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

/** A crafted entry straight into a repository's local cache (`.orch/cache/<xx>/<hash>`). */
export function craftLocalEntry(repo: string, hash: string, entry: CraftedEntry): void {
  writeEntry(join(repo, '.orch/cache', hash.slice(0, 2), hash), hash, entry);
}

/**
 * A crafted entry uploaded to a remote cache server as an artifact (a gzipped tar of the entry
 * folder, made by the system's tar), the way anyone holding a write token could.
 */
export async function craftRemoteArtifact(server: { url: string; token: string }, hash: string, entry: CraftedEntry): Promise<void> {
  const folder = tempRepo({}, { git: false });
  writeEntry(folder, hash, entry);
  const artifact = execFileSync('tar', ['-czf', '-', '-C', folder, 'meta.json', 'output.log', 'output.streams', 'files']);
  const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=ci`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream' },
    body: artifact,
  });
  if (!response.ok) throw new Error(`the server refused the crafted artifact: ${response.status}`);
}
