import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Parser, ReadEntry } from 'tar';
import { isSafePath } from './confinedPath.js';

/** An artifact refused before anything of it was written, and why (`its meta.json declares …`). */
export class ArtifactRefusal extends Error {}

const META = 'meta.json';
/** The most a meta.json may take (a million files listed take about 200 MB). */
const META_LIMIT = 256 * 1024 ** 2;
/** What one entry may add to the tar stream besides its content: its header, a long-path header, padding. */
const ENTRY_OVERHEAD = 16 * 1024;
/** A stream index line (`<offset> <stream>\n`) per switch, and a switch needs a byte of log. */
const STREAM_LINE_LIMIT = 32;

/** What an artifact's meta.json says it holds: each file with its size (`-1`: any, within `max`), and its folders. */
interface Declared {
  files: Map<string, number>;
  folders: Set<string>;
  /** The most its content may take, in bytes (the stream index at most what the log allows). */
  bytes: number;
}

/**
 * Unpacks a downloaded artifact (a gzipped tar of an entry folder, in `file`) into `staging`,
 * never writing more than its `meta.json` declares (FINDINGS-11, 3: a 1 MB artifact holding
 * 1 GiB of zeros under a `meta.json` saying 19 bytes). The archive is read twice, streamed:
 * first without writing anything, checking that its first entry is `meta.json`, that every other
 * entry is a folder or a file it declares, of the declared size (`files/<path>`, `output.log`;
 * `output.streams` within what the log allows), each once and all there, and that the declared
 * sizes and the decompressed stream stay within `maxBytes`; reading stops at the first entry that
 * breaks this (an ArtifactRefusal). Then the checked archive is extracted (regular files and
 * folders only; tar refuses absolute paths and `..`).
 */
export async function unpackArtifact(file: string, staging: string, maxBytes: number): Promise<void> {
  const declared = await inspectArtifact(file, maxBytes);
  const { Unpack } = await import('tar');
  const unpack = new Unpack({ cwd: staging, strict: true, filter: (_path, entry) => ['File', 'OldFile', 'Directory'].includes((entry as ReadEntry).type) });
  await new Promise<void>((resolve, reject) => {
    unpack.on('close', resolve);
    unpack.on('error', reject);
    feed(file, unpack, () => allowance(declared, maxBytes), reject);
  });
}

/** Reads the archive without writing anything; resolves with what its meta.json declares, or rejects with an ArtifactRefusal. */
async function inspectArtifact(file: string, maxBytes: number): Promise<Declared> {
  const { Parser } = await import('tar');
  const parser = new Parser({ strict: true });
  let declared: Declared | undefined;
  let content = 0;
  const seen = new Set<string>();
  const refusal = (reason: string) => new ArtifactRefusal(reason);

  const check = (entry: ReadEntry): void => {
    const path = entry.path.replace(/^\.\//, '').replace(/\/+$/, '');
    if (!declared) {
      if (path !== META || entry.type !== 'File') throw refusal(`its first entry is ${path}, not ${META}`);
      if (entry.size > Math.min(maxBytes, META_LIMIT)) throw refusal(`its ${META} takes ${entry.size} bytes`);
      content += entry.size;
      const chunks: Buffer[] = [];
      if (entry.size === 0) {
        declared = declare(Buffer.alloc(0), maxBytes);
        return;
      }
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        try {
          declared = declare(Buffer.concat(chunks), maxBytes);
        } catch (error) {
          parser.emit('error', error);
        }
      });
      return;
    }
    if (seen.has(path)) throw refusal(`it holds ${path} twice`);
    seen.add(path);
    if (entry.type === 'Directory') {
      if (!declared.folders.has(path)) throw refusal(`it holds a folder ${path} that its ${META} does not declare`);
    } else {
      if (entry.type !== 'File' && entry.type !== 'OldFile') throw refusal(`it holds ${path}, a ${entry.type} (an artifact holds only files and folders)`);
      const size = declared.files.get(path);
      if (size === undefined) throw refusal(`it holds ${path}, which its ${META} does not declare`);
      if (size >= 0 && entry.size !== size) throw refusal(`it holds ${path} of ${entry.size} bytes, where its ${META} declares ${size}`);
      content += entry.size;
      if (content > maxBytes) throw refusal(`it holds more than the ${maxBytes} bytes cache.remote.maxArtifactSize allows`);
    }
    entry.resume();
  };

  await new Promise<void>((resolve, reject) => {
    parser.on('entry', (entry: ReadEntry) => {
      try {
        check(entry);
      } catch (error) {
        parser.emit('error', error);
      }
    });
    parser.on('error', reject);
    parser.on('end', resolve);
    feed(file, parser, () => (declared ? allowance(declared, maxBytes) : Math.min(maxBytes, META_LIMIT) + ENTRY_OVERHEAD), reject);
  });
  if (!declared) throw refusal(`it holds no ${META}`);
  const missing = [...declared.files].find(([path, size]) => size >= 0 && !seen.has(path));
  if (missing) throw refusal(`its ${META} declares ${missing[0]}, which it does not hold`);
  return declared;
}

/** What meta.json declares; an ArtifactRefusal when it is not an entry's, or declares more than `maxBytes`. */
function declare(text: Buffer, maxBytes: number): Declared {
  let meta: { files?: unknown; log?: { bytes?: unknown } };
  try {
    meta = JSON.parse(text.toString('utf8')) as typeof meta;
  } catch {
    throw new ArtifactRefusal(`its ${META} is not valid JSON`);
  }
  if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.files)) throw new ArtifactRefusal(`its ${META} does not list an entry's files`);
  const files = new Map<string, number>();
  const folders = new Set(['files']);
  for (const file of meta.files as { path?: unknown; size?: unknown }[]) {
    if (typeof file?.path !== 'string' || !isSafePath(file.path) || !Number.isSafeInteger(file.size) || (file.size as number) < 0) throw new ArtifactRefusal(`its ${META} lists a file that is not one (a path inside the entry and a size)`);
    const path = `files/${file.path.split('\\').join('/')}`;
    files.set(path, file.size as number);
    for (let folder = path.slice(0, path.lastIndexOf('/')); folder.includes('/'); folder = folder.slice(0, folder.lastIndexOf('/'))) folders.add(folder);
  }
  let streams = 0;
  if (meta.log !== undefined) {
    const logBytes = meta.log?.bytes;
    if (!Number.isSafeInteger(logBytes) || (logBytes as number) < 0) throw new ArtifactRefusal(`its ${META} gives the log a size that is not one`);
    files.set('output.log', logBytes as number);
    files.set('output.streams', -1);
    streams = ((logBytes as number) + 1) * STREAM_LINE_LIMIT;
  }
  const declared = [...files.values()].reduce((sum, size) => sum + Math.max(size, 0), text.length);
  if (declared > maxBytes) throw new ArtifactRefusal(`its ${META} declares ${declared} bytes, more than the ${maxBytes} cache.remote.maxArtifactSize allows`);
  return { files, folders, bytes: Math.min(declared + streams, maxBytes) };
}

/** How many decompressed bytes the tar stream of an artifact may take: its content and each entry's overhead. */
function allowance(declared: Declared, maxBytes: number): number {
  return Math.min(declared.bytes, maxBytes) + ENTRY_OVERHEAD * (declared.files.size + declared.folders.size + 4);
}

/**
 * Streams `file`, gunzipped, into a tar parser, with backpressure, failing (`fail`) as soon as the
 * decompressed bytes pass `limit()` (the limit grows once meta.json is read): data past a tar's
 * end is buffered by the parser, so a bomb hidden there is stopped here too.
 */
function feed(file: string, parser: Parser, limit: () => number, fail: (error: Error) => void): void {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  let decompressed = 0;
  const stop = (error?: Error): void => {
    input.destroy();
    gunzip.destroy();
    if (error) fail(error);
  };
  // The parser refused something (its own listener reports it): nothing more is read.
  parser.on('error', () => stop());
  gunzip.on('data', (chunk: Buffer) => {
    decompressed += chunk.length;
    if (decompressed > limit()) return stop(new ArtifactRefusal(`it unpacks to more than its ${META} declares`));
    if (!parser.write(chunk)) {
      gunzip.pause();
      parser.once('drain', () => gunzip.resume());
    }
  });
  gunzip.on('end', () => parser.end());
  gunzip.on('error', () => stop(new ArtifactRefusal('it is not a gzipped tar archive')));
  input.on('error', stop);
  (input as Readable).pipe(gunzip);
}
