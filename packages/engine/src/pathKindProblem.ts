import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/**
 * Why orch cannot use `path` as a `kind` (a file it writes, or a folder it creates and writes
 * in), or undefined when it can: what is on disk there, or at a parent between `base` and it, is
 * something else (findings R2 #11, #13). Said as `<path> is a file, not a folder`, `<path> is a
 * folder, not a file`, or `<path> is a symbolic link to <target>, which does not exist`, with
 * paths relative to `base`. A missing path (or parent) is no problem: orch creates it.
 */
export function pathKindProblem(path: string, kind: 'file' | 'folder', base: string): string | undefined {
  const rel = relative(base, path);
  const parts = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? [] : rel.split(sep);
  for (let index = 1; index <= parts.length; index++) {
    const shown = parts.slice(0, index).join('/');
    const at = join(base, ...parts.slice(0, index));
    const found = kindAt(at);
    if (found === 'missing') return undefined;
    if (found === 'dangling') return `${shown} is a symbolic link to ${linkTarget(at)}, which does not exist`;
    if (found === 'loop') return `${shown} is a symbolic link that leads back to itself (a loop)`;
    const wanted = index < parts.length ? 'folder' : kind;
    if (wanted === 'folder' && !found.isDirectory()) return `${shown} is ${found.isFile() ? 'a file' : 'a special file'}, not a folder`;
    if (wanted === 'file' && found.isDirectory()) return `${shown} is a folder, not a file`;
  }
  return undefined;
}

function kindAt(path: string): Stats | 'missing' | 'dangling' | 'loop' {
  try {
    lstatSync(path);
  } catch {
    return 'missing';
  }
  try {
    return statSync(path);
  } catch (error) {
    return (error as { code?: string }).code === 'ELOOP' ? 'loop' : 'dangling';
  }
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '(unreadable)';
  }
}
