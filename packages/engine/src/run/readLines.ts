import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is given in pieces of this many characters. */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * The lines of a UTF-8 file, without their newlines, read in blocks: memory stays bounded by the
 * block and `maxChars` whatever the file's size or its longest line. A missing file has none.
 */
export async function* readLines(path: string, options: { end?: number; maxChars?: number } = {}): AsyncGenerator<string> {
  const maxChars = options.maxChars ?? MAX_LINE_CHARS;
  if (options.end === 0) return;
  const decoder = new StringDecoder('utf8');
  let partial = '';
  try {
    for await (const block of createReadStream(path, { highWaterMark: 64 * 1024, ...(options.end === undefined ? {} : { end: options.end - 1 }) }) as AsyncIterable<Buffer>) {
      const lines = (partial + decoder.write(block)).split('\n');
      partial = lines.pop()!;
      yield* lines;
      while (partial.length > maxChars) {
        yield partial.slice(0, maxChars);
        partial = partial.slice(maxChars);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  partial += decoder.end();
  if (partial !== '') yield partial;
}
