/**
 * The offset where YAML (or JSON) text nests deeper than `maxDepth` collections, or -1. A
 * linear scan that counts block levels by indentation (and `- - -` compact sequences) and flow
 * levels by brackets that open a collection, outside quotes and comments, so a parser that
 * recurses per level is never handed a file that would exhaust the stack (issue 12, part 8).
 * It may count a level or two fewer than a parser would (a sequence written at its key's
 * indentation), never more.
 */
/** What may come right before a token that opens a collection or a quoted scalar. */
const TOKEN_BEFORE = new Set([' ', '\t', '\n', ':', '-', '?', '[', '{', ',']);

export function findDeepNesting(text: string, maxDepth: number): number {
  const blocks: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let atLineStart = true;
  let indent = 0;
  let previous = '\n';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote && quote === "'" && text[i + 1] === "'") i++;
      else if (char === quote) {
        quote = undefined;
        previous = char;
      }
      continue;
    }
    if (char === '\n') {
      atLineStart = true;
      indent = 0;
      previous = '\n';
      continue;
    }
    if (atLineStart) {
      if (char === ' ') {
        indent++;
        continue;
      }
      atLineStart = false;
      if (flow === 0 && char !== '#') {
        while (blocks.length > 0 && blocks[blocks.length - 1]! >= indent) blocks.pop();
        blocks.push(indent);
        let dashes = 0;
        for (let j = i; text[j] === '-' && (text[j + 1] === ' ' || text[j + 1] === '\t'); j += 2) {
          dashes++;
          while (text[j + 2] === ' ') j++;
        }
        if (blocks.length + dashes > maxDepth) return i;
      }
    }
    const tokenStart = flow > 0 || TOKEN_BEFORE.has(previous);
    const before = text[i - 1];
    if (char === '#' && (before === undefined || before === ' ' || before === '\t' || before === '\n')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if ((char === '"' || char === "'") && tokenStart) quote = char;
    else if ((char === '[' || char === '{') && tokenStart) {
      flow++;
      if (blocks.length + flow > maxDepth) return i;
    } else if ((char === ']' || char === '}') && flow > 0) flow--;
    if (char !== ' ' && char !== '\t') previous = char;
  }
  return -1;
}
