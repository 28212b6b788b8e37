import { distance } from 'fastest-levenshtein';

/**
 * The candidates closest to `input`, best first, for "did you mean" hints. A candidate counts
 * when its edit distance (ignoring case) is small for its length, or when one name contains the
 * other; the input itself never does. An edit distance as large as the shorter name is no
 * resemblance (`a` and `c`, `ui` and `db`: every character differs), however small, unless one
 * name holds the other (`g` for `gg`).
 */
export function closestMatches(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const needle = input.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    if (name === input) continue;
    const hay = name.toLowerCase();
    // The same name in another case (`HELLO` for `hello`) is the closest there is.
    const d = distance(needle, hay);
    const budget = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
    const lastSegment = hay.slice(hay.lastIndexOf('/') + 1);
    // Within the budget, a name resembles when some of it survives the edits, or one holds the other (`g` in `gg`).
    if (d <= budget && (d < Math.min(needle.length, hay.length) || hay.includes(needle) || needle.includes(hay))) scored.push({ name, score: d });
    else if (needle.length >= 3 && (hay.includes(needle) || lastSegment === needle)) scored.push({ name, score: budget + 1 + hay.length - needle.length });
    else {
      const toLast = distance(needle, lastSegment);
      if (toLast <= Math.max(1, Math.floor(lastSegment.length / 4)) && toLast < Math.min(needle.length, lastSegment.length)) scored.push({ name, score: budget + 1 + d });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}

/** `did you mean 'a' or 'b'?`, or undefined when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const matches = closestMatches(input, candidates);
  if (matches.length === 0) return undefined;
  const quoted = matches.map((m) => `'${m}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return `did you mean ${list}?`;
}
