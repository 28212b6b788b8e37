import { readFile, stat } from 'node:fs/promises';
import type { Diagnostic } from '@orch/engine';

/** Bytes of a command or agent file orch reads (docs/configuration.md, "Limits"). */
export const MAX_MARKDOWN_BYTES = 16 * 1024 * 1024;

/**
 * Reads a command or agent file as text (`decodeText`); a file that cannot be read, or is larger
 * than `MAX_MARKDOWN_BYTES`, is a diagnostic of that file instead.
 */
export async function readMarkdownText(file: string): Promise<{ text: string } | { diagnostic: Diagnostic }> {
  const location = { file, line: 1, column: 1 };
  try {
    const { size } = await stat(file);
    if (size > MAX_MARKDOWN_BYTES) {
      return { diagnostic: { severity: 'error', code: 'file/too-large', message: `${size} bytes, more than the ${MAX_MARKDOWN_BYTES} orch reads in a command or agent file`, location, hint: 'move long material into files the prompt includes with @path' } };
    }
    return decodeText(file, await readFile(file));
  } catch (error) {
    return { diagnostic: { severity: 'error', code: 'file/unreadable', message: `cannot read the file: ${(error as Error).message}`, location, hint: 'check its permissions, or remove it' } };
  }
}

/**
 * Decodes a file as UTF-8, dropping a byte-order mark and turning CRLF into LF (line numbers
 * stay the same). A file that is not UTF-8 gets a diagnostic at its first bad byte.
 */
export function decodeText(file: string, bytes: Uint8Array): { text: string } | { diagnostic: Diagnostic } {
  const bad = firstInvalidUtf8Byte(bytes);
  if (bad >= 0) {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) if (bytes[i] === 10) (line++, (lineStart = i + 1));
    return {
      diagnostic: {
        severity: 'error',
        code: 'file/not-utf8',
        message: `not valid UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}`,
        location: { file, line, column: bad - lineStart + 1 },
        hint: 'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)',
      },
    };
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return { text };
}

/** Offset of the first byte that breaks UTF-8, or -1. */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i]!;
    if (byte < 0x80) {
      i++;
      continue;
    }
    const length = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1]!;
    if ((byte === 0xe0 && second < 0xa0) || (byte === 0xed && second > 0x9f) || (byte === 0xf0 && second < 0x90) || (byte === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return -1;
}
