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
  if (bytes === 0) return;
  // A small log (most are: a cache hit of a quiet task) is read at once, without streams.
  const small = bytes !== undefined && bytes <= SMALL_LOG ? readSmallLog(files, bytes) : undefined;
  const switches = streamSwitches(small ? small.index.split('\n') : readLines(files.streams, { maxChars: 64 }), bytes);
  let stream: OutputStream = 'stdout';
  let upcoming = (await switches.next()).value;
  let position = 0;
  const decoder = new StringDecoder('utf8');
  const blocks = small ? [small.log] : (createReadStream(files.log, { highWaterMark: 64 * 1024, ...(bytes === undefined ? {} : { end: bytes - 1 }) }) as AsyncIterable<Buffer>);
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
    const match = /^(\d+) (stdout|stderr)$/.exec(line);
    if (!match) continue;
    const offset = Number(match[1]);
    if (offset < last) continue;
    if (bytes !== undefined && offset >= bytes) return undefined;
    last = offset;
    yield { offset, stream: match[2] as OutputStream };
  }
  return undefined;
}
