import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { yaml } from '../yaml/yamlLibrary.js';
import type { SourceLocation } from './Diagnostic.js';
import type { SourceFile } from './SourceFile.js';

export type PathLocator = (path: readonly (string | number)[], options?: { key?: boolean }) => { location: SourceLocation; sourceLine?: string };

/**
 * Finds where a key path is written in a parsed YAML (or JSON) document, falling back to the
 * nearest enclosing node that exists. `baseOffset` is where the YAML text starts in the file
 * (front matter starts after its opening `---` line).
 */
export function yamlLocator(document: Document, source: SourceFile, baseOffset = 0): PathLocator {
  // Each mapping's keys indexed on first use, so locating every key of a large file stays linear.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const item of map.items) if (yaml().isPair(item) && yaml().isScalar(item.key) && !index.has(String(item.key.value))) index.set(String(item.key.value), item);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path, options = {}) => {
    let node: unknown = document.contents;
    let keyNode: Node | undefined;
    for (const segment of path) {
      if (yaml().isMap(node)) {
        const pair = pairOf(node, String(segment));
        if (!pair) break;
        keyNode = yaml().isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else if (yaml().isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        keyNode = undefined;
        node = item;
      } else break;
    }
    const target = options.key && keyNode ? keyNode : yaml().isNode(node) ? node : keyNode;
    const range = target?.range ?? [0, 1];
    const location = source.location(baseOffset + range[0], baseOffset + Math.max(range[0] + 1, range[1]));
    const sourceLine = source.lineText(location.line!);
    return { location, ...(sourceLine === undefined ? {} : { sourceLine }) };
  };
}

/**
 * A best-effort locator for JavaScript and TypeScript configs: finds each key of the path in
 * order in the text (`key:`, `'key':`, `"key":`), so a diagnostic can point at the line that
 * sets it, and an index into a list of string literals (`dependsOn: ['^biuld']`) to that string.
 * The text is scanned once for every key, so locating many paths stays linear. Where a key is not
 * found, the default export (or the first line) stands for the whole config.
 */
export function textLocator(source: SourceFile): PathLocator {
  const keys = new Map<string, { offset: number; length: number }[]>();
  for (const match of source.text.matchAll(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1\s*:|([A-Za-z_$][\w$]*)\s*:/g)) {
    const key = match[3] ?? match[2]!;
    const found = { offset: match.index, length: match[0].replace(/\s*:$/, '').length };
    if (keys.has(key)) keys.get(key)!.push(found);
    else keys.set(key, [found]);
  }
  const exported = /\bexport\s+default\b|\bmodule\.exports\b/.exec(source.text);
  const fallback = exported ? source.location(exported.index, exported.index + exported[0].length) : { file: source.file, line: 1, column: 1 };
  return (path) => {
    let offset = 0;
    let found: { offset: number; length: number } | undefined;
    for (const segment of path) {
      if (typeof segment === 'number') {
        // An entry of a list of strings (`dependsOn: ['^biuld']`) is found; of anything else, its key stands for it.
        const element = found && arrayElement(source.text, offset, segment);
        if (!element) break;
        found = element;
        offset = element.offset + element.length;
        continue;
      }
      const next = firstAtOrAfter(keys.get(segment) ?? [], offset);
      if (!next) break;
      found = next;
      offset = next.offset + next.length;
    }
    const location = found ? source.location(found.offset, found.offset + found.length) : fallback;
    const sourceLine = source.lineText(location.line!);
    return { location, ...(sourceLine === undefined ? {} : { sourceLine }) };
  };
}

/**
 * The `index`th string of a list literal of strings right after a key (`: ['a', "b"]`, text from
 * `offset`), quotes included; undefined when the list holds anything else before it.
 */
function arrayElement(text: string, offset: number, index: number): { offset: number; length: number } | undefined {
  const open = /\s*:\s*\[/y;
  open.lastIndex = offset;
  if (!open.exec(text)) return undefined;
  const literal = /\s*(["'`])((?:\\.|(?!\1)[^\\\n])*)\1\s*([,\]])/y;
  literal.lastIndex = open.lastIndex;
  for (let i = 0; ; i++) {
    const match = literal.exec(text);
    if (!match) return undefined;
    if (i === index) return { offset: match.index + match[0].indexOf(match[1]!), length: match[2]!.length + 2 };
    if (match[3] === ']') return undefined;
  }
}

/** The first entry at or after `offset` in a list sorted by offset (binary search). */
function firstAtOrAfter<T extends { offset: number }>(list: readonly T[], offset: number): T | undefined {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]!.offset < offset) low = mid + 1;
    else high = mid;
  }
  return list[low];
}
