/** Whether a variable name is selected by a list of patterns; see {@link envPatternMatcher}. */
export interface EnvPatternMatcher {
  /** Selected: matched by an inclusion and by no exclusion. */
  matches(name: string): boolean;
  /** Matched by one of the list's `!` exclusions. */
  excludes(name: string): boolean;
  /** The inclusions without wildcards: names the list declares whether they are set or not. */
  readonly names: readonly string[];
}

const compiled = new Map<string, EnvPatternMatcher>();

/**
 * Compiles environment variable patterns as Turborepo writes them: `NODE_ENV`, `MY_APP_*` (`*`
 * is any run of characters), and `!MY_APP_SECRET`, which excludes from what the list's other
 * patterns match. Names compare case-insensitively on Windows, where the environment does.
 * Matchers are memoised per list, so a run compiles each distinct list once.
 */
export function envPatternMatcher(patterns: readonly string[]): EnvPatternMatcher {
  const key = patterns.join('\0');
  let matcher = compiled.get(key);
  if (!matcher) {
    const include = toRegExp(patterns.filter((p) => !p.startsWith('!')));
    const exclude = toRegExp(patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)));
    matcher = {
      matches: (name) => include.test(name) && !exclude.test(name),
      excludes: (name) => exclude.test(name),
      names: patterns.filter((p) => !p.startsWith('!') && !p.includes('*')),
    };
    compiled.set(key, matcher);
  }
  return matcher;
}

function toRegExp(patterns: readonly string[]): RegExp {
  if (patterns.length === 0) return /(?!)/;
  const alternatives = patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, process.platform === 'win32' ? 'i' : '');
}
