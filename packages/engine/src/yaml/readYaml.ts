import type { Document, Node } from 'yaml';
import { yaml } from './yamlLibrary.js';
import { findDeepNesting } from './findDeepNesting.js';

/** Bounds on YAML orch reads (front matter, YAML and JSON configs). Documented in docs/configuration.md. */
export const YAML_LIMITS = {
  /** Collections nested in each other, block or flow. */
  maxDepth: 64,
  /** Alias nodes (`*name`) in one document, and alias expansions when its value is built. */
  maxAliases: 100,
} as const;

/** A problem in YAML text, at offsets of that text, with what to do about it. */
export interface YamlProblem {
  code: string;
  message: string;
  start: number;
  end: number;
  hint?: string;
}

/**
 * Parses YAML (1.2, core schema: `2024-01-02` stays text) keeping every node's source range.
 * Never throws, never prints a process warning (`logLevel: 'error'`); refuses control
 * characters, and text nested past `YAML_LIMITS.maxDepth`, before parsing it. The problem is the first syntax error: the ones after
 * it are mostly its echoes.
 */
export function parseYaml(text: string): { document?: Document; problem?: YamlProblem } {
  // YAML allows no control characters but tab and line breaks; the parser lets them through.
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return { problem: { code: 'yaml/control-character', message: `control character ${code} (YAML allows none but tab and line breaks)`, start: control.index, end: control.index + 1, hint: 'remove it; write it as an escape in a double-quoted string ("\\u0000") if it is meant' } };
  }
  const deep = findDeepNesting(text, YAML_LIMITS.maxDepth);
  if (deep >= 0) {
    return { problem: { code: 'yaml/too-deep', message: `nested more than ${YAML_LIMITS.maxDepth} levels deep`, start: deep, end: deep + 1, hint: `orch reads at most ${YAML_LIMITS.maxDepth} nested levels; flatten the structure` } };
  }
  // Duplicate keys are checked by `yamlValue` in one pass: the library's own check is quadratic.
  const document = yaml().parseDocument(text, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const [error] = document.errors;
  if (!error) return { document };
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { document, problem: { code: 'yaml/syntax', message, start: error.pos[0], end: Math.max(error.pos[0] + 1, error.pos[1]), hint: syntaxHint(error.code) } };
}

/**
 * The value of a parsed document as plain data, after the checks the library leaves to its
 * caller or does in quadratic time: a key repeated in one mapping, an alias to no anchor (or
 * to the node that holds it), more than `YAML_LIMITS.maxAliases` aliases, and aliases that
 * expand past that limit (a "billion laughs" file).
 */
export function yamlValue(document: Document): { value?: unknown; problem?: YamlProblem } {
  const problem = structureProblem(document);
  if (problem) return { problem };
  try {
    return { value: document.toJS({ maxAliasCount: YAML_LIMITS.maxAliases }) };
  } catch (error) {
    const first = firstAlias(document);
    const [start, end] = first?.range ?? [0, 1];
    return { problem: { code: 'yaml/alias-limit', message: `aliases expand to more than ${YAML_LIMITS.maxAliases} nodes (${(error as Error).message})`, start, end, hint: 'write the values out instead of repeating aliases of aliases' } };
  }
}

/** Walks the document in source order, without recursion. */
function structureProblem(document: Document): YamlProblem | undefined {
  const anchors = new Map<string, Node>();
  const open = new Set<Node>();
  let aliases = 0;
  const stack: (Node | { leave: Node })[] = yaml().isNode(document.contents) ? [document.contents] : [];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('leave' in item) {
      open.delete(item.leave);
      continue;
    }
    const node = item;
    const [start, end] = node.range ?? [0, 1];
    if (yaml().isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return { code: 'yaml/unknown-alias', message: `alias '*${node.source}' refers to no anchor before it`, start, end, hint: `define '&${node.source}' on a value above, or write the value out` };
      if (open.has(target)) return { code: 'yaml/recursive-alias', message: `alias '*${node.source}' is inside the value it refers to`, start, end, hint: 'an alias cannot repeat a value that contains it' };
      if (++aliases > YAML_LIMITS.maxAliases) return { code: 'yaml/alias-limit', message: `more than ${YAML_LIMITS.maxAliases} aliases`, start, end, hint: 'write the values out instead of repeating aliases' };
      continue;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (!yaml().isCollection(node)) continue;
    open.add(node);
    stack.push({ leave: node });
    const children: Node[] = [];
    const keys = new Set<string>();
    for (const entry of node.items) {
      if (!yaml().isPair(entry)) {
        if (yaml().isNode(entry)) children.push(entry);
        continue;
      }
      if (yaml().isMap(node) && yaml().isScalar(entry.key)) {
        const key = String(entry.key.value);
        const [keyStart, keyEnd] = entry.key.range ?? [start, end];
        if (keys.has(key) && key !== '<<') return { code: 'yaml/duplicate-key', message: `key '${key}' appears twice in one mapping`, start: keyStart, end: keyEnd, hint: 'each key may appear once; remove or merge the repeated key' };
        keys.add(key);
      }
      if (yaml().isNode(entry.key)) children.push(entry.key);
      if (yaml().isNode(entry.value)) children.push(entry.value);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}

function firstAlias(document: Document): Node | undefined {
  const queue: unknown[] = [document.contents];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (yaml().isAlias(node)) return node;
    if (yaml().isCollection(node)) for (const entry of node.items) queue.push(...(yaml().isPair(entry) ? [entry.key, entry.value] : [entry]));
  }
  return undefined;
}

function syntaxHint(code: string): string {
  switch (code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return "a value that contains ': ' must be quoted, e.g. description: \"a: b\"";
    case 'TAB_AS_INDENT':
      return 'indent YAML with spaces, not tabs';
    default:
      return "quote values that contain ':', '#', or start with '@', '`', '*' or '&'";
  }
}
