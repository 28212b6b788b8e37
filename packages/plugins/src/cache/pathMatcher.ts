import picomatch from 'picomatch';

/**
 * A picomatch matcher for file paths relative to a folder (`/`-separated), with dot files. Its
 * regular expression takes the `s` flag: picomatch writes `*` and `**` with `.`, which without
 * it never matches a line break, so a file named `new\nline.txt` or `cr\r.txt` would fall out of
 * every glob, and out of the task hash (FINDINGS-R2 #1). Every glob over file names uses this.
 */
export function pathMatcher(globs: string | readonly string[], options: picomatch.PicomatchOptions = {}): (path: string) => boolean {
  return picomatch(typeof globs === 'string' ? globs : [...globs], { dot: true, ...options, flags: 's' });
}
