import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** How much of a log's end is read for its tail: enough for `lines` lines of a terminal. */
const TAIL_BYTES = 32 * 1024;

// CSI sequences (colours, cursor moves) and OSC sequences (titles, links) a terminal would act on.
const TERMINAL_CODES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/**
 * The last `lines` lines of a task's log file (`.orch/logs/<session>/<task>.log`), read from
 * its last 32 KB only, without terminal escape sequences; a line cut by that window is dropped,
 * as is a carriage-return overwrite's earlier text. Undefined when the file cannot be read
 * (a task that printed nothing has none).
 */
export function logTail(path: string, lines = 40): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(TERMINAL_CODES, '');
    const all = text.split('\n');
    if (length < size) all.shift();
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).map((line) => line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, ''));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
