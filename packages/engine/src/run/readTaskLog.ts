import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { OutputChunk, TaskLogFiles } from '../pipeline/TaskContext.js';
import type { OutputStream } from './OutputTail.js';
import { readLines } from './readLines.js';

/** One line of a stream index: from this byte of the log on, output is of this stream. */
interface StreamSwitch {
  offset: number;
  stream: OutputStream;
}

/**
 * Reads a task log back as the chunks it was written as (stream by stream, in order, text
 * byte-for-byte), in 64 KB blocks: never whole in memory. `bytes` stops at that length (what the
 * log held when it was stored). The index only tags bytes with their stream, so a damaged one
 * never loses output: lines it cannot read are skipped, and bytes before its first line are
 * stdout.
 */
export async function* readTaskLog(files: TaskLogFiles, bytes?: number): AsyncGenerator<OutputChunk> {
  const small = bytes === undefined ? undefined : readSmallTaskLog(files, bytes);
  if (small) {
    yield* small;
    return;
  }
  const switches = streamSwitches(readLines(files.streams, { maxChars: 64 }), bytes);
  let stream: OutputStream = 'stdout';
  let upcoming = (await switches.next()).value;
  let position = 0;
  const decoder = new StringDecoder('utf8');
  const blocks = createReadStream(files.log, { highWaterMark: 64 * 1024, ...(bytes === undefined ? {} : { end: bytes - 1 }) }) as AsyncIterable<Buffer>;
  for await (const block of blocks) {
    let offset = 0;
    while (offset < block.length) {
      const until = upcoming ? Math.min(block.length, offset + Math.max(0, upcoming.offset - position)) : block.length;
      const text = decoder.write(block.subarray(offset, until));
      if (text !== '') yield { stream, text };
      position += until - offset;
      offset = until;
      while (upcoming && upcoming.offset <= position) {
        // A switch falls between two writes, so on a character boundary: nothing is held back.
        const rest = decoder.end();
        if (rest !== '') yield { stream, text: rest };
        stream = upcoming.stream;
        upcoming = (await switches.next()).value;
      }
    }
  }
  const rest = decoder.end();
  if (rest !== '') yield { stream, text: rest };
}

/**
 * A small log's chunks (its first `bytes`, up to 64 KB, and an index as small), read at once and
 * split as `readTaskLog` splits them; undefined when the log or its index is larger (read it with
 * `readTaskLog`). Most logs are small (a cache hit of a quiet task), and a full hit replays
 * hundreds: this is one call each, where the stream's generators take several promises a chunk.
 */
export function readSmallTaskLog(files: TaskLogFiles, bytes: number): OutputChunk[] | undefined {
  if (bytes === 0) return [];
  const small = bytes <= SMALL_LOG ? readSmallLog(files, bytes) : undefined;
  if (!small) return undefined;
  const chunks: OutputChunk[] = [];
  const decoder = new StringDecoder('utf8');
  const add = (stream: OutputStream, text: string): void => void (text !== '' && chunks.push({ stream, text }));
  let stream: OutputStream = 'stdout';
  let position = 0;
  let last = -1;
  for (const line of small.index.split('\n')) {
    const next = streamSwitch(line);
    if (!next || next.offset < last) continue;
    if (next.offset >= bytes || next.offset >= small.log.length) break;
    last = next.offset;
    if (next.offset > position) add(stream, decoder.write(small.log.subarray(position, next.offset)));
    // A switch falls between two writes, so on a character boundary: nothing is held back.
    add(stream, decoder.end());
    position = Math.max(position, next.offset);
    stream = next.stream;
  }
  add(stream, decoder.write(small.log.subarray(position)));
  add(stream, decoder.end());
  return chunks;
}

/** Logs up to this size are read whole (their index too, when it is as small). */
const SMALL_LOG = 64 * 1024;

/** Where a small log's index is read into: one buffer for every replay (a full hit replays hundreds). */
const indexBuffer = Buffer.allocUnsafe(SMALL_LOG + 1);

/**
 * A small log's first `bytes` and its index, with as few system calls as a file allows (open,
 * read, close each: no stat, the sizes being known); undefined when the index is not small.
 */
function readSmallLog(files: TaskLogFiles, bytes: number): { log: Buffer; index: string } | undefined {
  const indexBytes = readInto(files.streams, indexBuffer);
  if (indexBytes > SMALL_LOG) return undefined;
  const index = indexBuffer.toString('utf8', 0, indexBytes);
  const log = Buffer.allocUnsafe(bytes);
  return { log: log.subarray(0, readInto(files.log, log)), index };
}

/** Reads a file's first bytes into `buffer` (until it is full or the file ends); returns how many. */
function readInto(path: string, buffer: Buffer): number {
  const fd = openSync(path, 'r');
  try {
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return filled;
  } finally {
    closeSync(fd);
  }
}

async function* streamSwitches(lines: AsyncIterable<string> | Iterable<string>, bytes?: number): AsyncGenerator<StreamSwitch, undefined> {
  let last = -1;
  for await (const line of lines) {
    const next = streamSwitch(line);
    if (!next || next.offset < last) continue;
    if (bytes !== undefined && next.offset >= bytes) return undefined;
    last = next.offset;
    yield next;
  }
  return undefined;
}

/** A line of a stream index, `<byte offset> <stdout|stderr>`; undefined for any other line. */
function streamSwitch(line: string): StreamSwitch | undefined {
  const match = /^(\d+) (stdout|stderr)$/.exec(line);
  return match ? { offset: Number(match[1]), stream: match[2] as OutputStream } : undefined;
}
