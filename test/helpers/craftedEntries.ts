import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
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
  await putArtifact(server, hash, execFileSync('tar', ['-czf', '-', '-C', folder, 'meta.json', 'output.log', 'output.streams', 'files']));
}

/**
 * A decompression bomb as a remote artifact: an entry whose meta.json declares `dist/out.txt` of
 * 19 bytes, where the tar holds `inflated` bytes of zeros, either as that file (`in: 'file'`) or
 * after the tar's end (`in: 'after-end'`). Gzipped at level 9, 256 MiB take about 250 KB.
 */
export async function craftBombArtifact(server: { url: string; token: string }, hash: string, options: { inflated: number; in: 'file' | 'after-end' }): Promise<void> {
  const content = 'module.exports = 1;';
  const meta = JSON.stringify({ format: CACHE_FORMAT, hash, taskId: 'lib#build', exitCode: 0, durationMs: 1, createdAt: new Date().toISOString(), files: [{ path: 'dist/out.txt', size: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex'), mode: 0o644 }], outputs: ['dist/**'] });
  const fileBytes = options.in === 'file' ? options.inflated : Buffer.byteLength(content);
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = async (bytes: number) => {
    const block = Buffer.alloc(1 << 20);
    for (let left = bytes; left > 0; left -= block.length) if (!gzip.write(block.subarray(0, Math.min(left, block.length)))) await once(gzip, 'drain');
  };
  gzip.write(tarHeader('meta.json', '0', Buffer.byteLength(meta)));
  gzip.write(padded(Buffer.from(meta)));
  gzip.write(tarHeader('files/', '5', 0));
  gzip.write(tarHeader('files/dist/', '5', 0));
  gzip.write(tarHeader('files/dist/out.txt', '0', fileBytes));
  if (options.in === 'file') await zeros(padding(fileBytes) + fileBytes);
  else gzip.write(padded(Buffer.from(content)));
  gzip.write(Buffer.alloc(1024));
  if (options.in === 'after-end') await zeros(options.inflated);
  gzip.end();
  await once(gzip, 'end');
  await putArtifact(server, hash, Buffer.concat([Buffer.from('ORCH1'), Buffer.alloc(4), ...chunks]));
}

/** A ustar header block: `type` '0' for a file, '5' for a folder. */
function tarHeader(path: string, type: '0' | '5', size: number): Buffer {
  const block = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => block.write(value, offset, length, 'ascii');
  field(0, 100, path);
  field(100, 8, type === '5' ? '0000755\0' : '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  field(136, 12, `${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`);
  field(148, 8, '        ');
  field(156, 1, type);
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const sum = block.reduce((total, byte) => total + byte, 0);
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function padding(bytes: number): number {
  return (512 - (bytes % 512)) % 512;
}

function padded(content: Buffer): Buffer {
  return Buffer.concat([content, Buffer.alloc(padding(content.length))]);
}

/** Uploads an artifact's bytes as they are, the way anyone holding a write token could. */
async function putArtifact(server: { url: string; token: string }, hash: string, artifact: Buffer): Promise<void> {
  const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=ci`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream' },
    body: artifact,
  });
  if (!response.ok) throw new Error(`the server refused the crafted artifact: ${response.status}`);
}
