import { isAbsolute, relative } from 'node:path';

/** Node's file error codes, in words. */
const WORDS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EISDIR: 'is a folder',
  ENOTDIR: 'a parent is not a folder',
  ENOTEMPTY: 'the folder is not empty',
  EEXIST: 'already exists',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EBUSY: 'busy',
};

/**
 * A file error for a warning, in words (FINDINGS-11, 11): `dist/a.js: permission denied`, the
 * path relative to `base` when the error names one inside it (without `base`, the words alone:
 * `permission denied`); never Node's raw text (`EACCES: permission denied, open '/…'`). An error
 * without a code (orch's own, already in words) is given by its message.
 */
export function describeFileError(error: unknown, base?: string): string {
  const { code, path } = error as NodeJS.ErrnoException;
  if (!code) return (error as Error).message;
  const words = WORDS[code] ?? `failed (${code})`;
  if (!path || base === undefined) return words;
  const shown = isAbsolute(path) && !relative(base, path).startsWith('..') ? relative(base, path) : path;
  return `${shown}: ${words}`;
}
