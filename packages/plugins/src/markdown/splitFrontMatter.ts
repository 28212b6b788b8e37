/** A markdown file cut into front matter and body, by offsets into its text. */
export type FrontMatterSplit =
  | { kind: 'none' }
  /** The first line starts with `---` but is not `---` alone (`---js`, `---\0`): not front matter. */
  | { kind: 'not-an-opener'; firstLine: string }
  | { kind: 'unclosed' }
  | { kind: 'front-matter'; yamlStart: number; yamlEnd: number; bodyStart: number };

/**
 * Where front matter is, as Claude Code finds it: a first line of three dashes (trailing spaces
 * allowed) and the next line that is three dashes. Nothing else opens it: `---js` is text, not
 * a language to evaluate (gray-matter would run it as JavaScript), and a first line of four
 * dashes is a horizontal rule. Unlike Claude Code, the closing dashes must be a line of their
 * own, so `a --- b` inside a value does not end the front matter. Linear in the text.
 */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const firstEnd = text.indexOf('\n');
  const firstLine = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (!firstLine.startsWith('---')) return { kind: 'none' };
  if (!/^---[ \t]*$/.test(firstLine)) return /^----/.test(firstLine) ? { kind: 'none' } : { kind: 'not-an-opener', firstLine };
  if (firstEnd < 0) return { kind: 'unclosed' };
  const yamlStart = firstEnd + 1;
  for (let lineStart = yamlStart; lineStart <= text.length; ) {
    const lineEnd = text.indexOf('\n', lineStart);
    const end = lineEnd < 0 ? text.length : lineEnd;
    if (text.startsWith('---', lineStart) && /^[ \t]*$/.test(text.slice(lineStart + 3, end))) {
      return { kind: 'front-matter', yamlStart, yamlEnd: lineStart, bodyStart: lineEnd < 0 ? text.length : lineEnd + 1 };
    }
    if (lineEnd < 0) break;
    lineStart = lineEnd + 1;
  }
  return { kind: 'unclosed' };
}
