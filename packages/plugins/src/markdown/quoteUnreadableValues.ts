import { parseYaml, yamlValue } from '@orch/engine';

/**
 * Values Claude Code quotes when front matter is not valid YAML: its `YAML_SPECIAL_CHARS`
 * (`{ } [ ] * & # ! | > % @` and backquote, or `: `), in `quoteProblematicValues` of its
 * front matter parser.
 */
const SPECIAL = /[{}[\]*&#!|>%@`]|: /;
/** A top-level `key: value` line, as Claude Code matches it (not indented, not a list item). */
const KEY_LINE = /^([A-Za-z_][\w-]*):[ \t]+(\S.*)$/;

/** A line whose value was quoted for the retry. */
export interface QuotedLine {
  key: string;
  /** The value as written (trailing spaces dropped). */
  value: string;
  /** Offset of the line in the front matter. */
  offset: number;
  /** Why the line does not read as YAML on its own. */
  problem: string;
}

/**
 * Claude Code's retry (`quoteProblematicValues`): each top-level `key: value` line whose value
 * holds a YAML indicator and is not already quoted (`"…"` or `'…'` whole) is quoted as written:
 * `argument-hint: *args`, `complexity: [`, `description: > folded`, `description: !important`
 * and `argument-hint: [pr-number] [priority]` become text. Unlike Claude Code, a line that reads
 * cleanly on its own is left as it is, so a valid list beside a broken line stays a list
 * (`allowed-tools: [Read, Write]`). Every line keeps its place, so positions do not move.
 */
export function quoteUnreadableValues(yamlText: string): { text: string; quoted: QuotedLine[] } {
  const quoted: QuotedLine[] = [];
  let offset = 0;
  const lines = yamlText.split('\n').map((line) => {
    const lineOffset = offset;
    offset += line.length + 1;
    const match = KEY_LINE.exec(line);
    if (!match) return line;
    const value = match[2]!.trimEnd();
    const problem = SPECIAL.test(value) && !isQuoted(value) ? lineProblem(line) : undefined;
    if (problem === undefined) return line;
    quoted.push({ key: match[1]!, value, offset: lineOffset, problem });
    return `${match[1]}: ${JSON.stringify(value)}`;
  });
  return { text: lines.join('\n'), quoted };
}

function isQuoted(value: string): boolean {
  return value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]);
}

/** Why one line is not clean YAML by itself (it does not parse, an alias has no anchor, a tag is unknown), or undefined. */
function lineProblem(line: string): string | undefined {
  const { document, problem } = parseYaml(line);
  if (problem || !document) return problem?.message ?? 'not YAML';
  const tag = document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (tag) return `the tag '${line.slice(tag.pos[0], tag.pos[1]).split(/\s/)[0]}' is not one YAML knows`;
  return yamlValue(document).problem?.message;
}
