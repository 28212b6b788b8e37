import { statSync } from 'node:fs';

/** A file's size, mtime and inode as one string (`none` when it is not there): compared to tell whether it changed. */
export function fileStamp(file: string): string {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}:${stat.ino}` : 'none';
}
