import { isMap, isNode, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { SourceLocation } from './Diagnostic.js';
import type { SourceFile } from './SourceFile.js';

export type PathLocator = (path: readonly (string | number)[], options?: { key?: boolean }) => { location: SourceLocation; sourceLine?: string };

/**
 * Finds where a key path is written in a parsed YAML (or JSON) document, falling back to the
 * nearest enclosing node that exists. `baseOffset` is where the YAML text starts in the file
 * (front matter starts after its opening `---` line).
 */
export function yamlLocator(document: Document, source: SourceFile, baseOffset = 0): PathLocator {
  return (path, options = {}) => {
    let node: unknown = document.contents;
    let keyNode: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        keyNode = isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        keyNode = undefined;
        node = item;
      } else break;
    }
    const target = options.key && keyNode ? keyNode : isNode(node) ? node : keyNode;
    const range = target?.range ?? [0, 1];
    const location = source.location(baseOffset + range[0], baseOffset + Math.max(range[0] + 1, range[1]));
    const sourceLine = source.lineText(location.line!);
    return { location, ...(sourceLine === undefined ? {} : { sourceLine }) };
  };
}

/**
 * A best-effort locator for JavaScript and TypeScript configs: finds each key of the path in
 * order in the text (`key:` or `'key':`), so a diagnostic can point at the line that sets it.
 */
export function textLocator(source: SourceFile): PathLocator {
  return (path, options = {}) => {
    let offset = 0;
    let found = -1;
    let length = 1;
    for (const segment of path) {
      if (typeof segment === 'number') continue;
      const escaped = segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`(["'\`]?)${escaped}\\1\\s*:`, 'g');
      pattern.lastIndex = offset;
      const match = pattern.exec(source.text);
      if (!match) break;
      found = match.index;
      length = match[0].length - 1;
      offset = match.index + match[0].length;
    }
    if (found < 0) return { location: { file: source.file } };
    const location = source.location(found, found + (options.key ? length : length));
    const sourceLine = source.lineText(location.line!);
    return { location, ...(sourceLine === undefined ? {} : { sourceLine }) };
  };
}
