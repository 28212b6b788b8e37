import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';

/** Files up to this size are read at once (most outputs are small; a stream costs several round trips through the thread pool). */
const READ_AT_ONCE = 1024 * 1024;

/** The SHA-256 of a file's bytes (hex), read as a stream (never whole into memory) unless it is small. */
export function sha256File(path: string): Promise<string> {
  try {
    if (statSync(path).size <= READ_AT_ONCE) return Promise.resolve(createHash('sha256').update(readFileSync(path)).digest('hex'));
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
