import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { parseYaml, SourceFile, yamlLocator, yamlValue, type Diagnostic, type RawFrontMatter, type YamlProblem } from '@orch/engine';
import { splitFrontMatter } from './splitFrontMatter.js';

export interface ParsedMarkdown {
  frontMatter: RawFrontMatter;
  body: string;
  /** 1-based line where the body starts. */
  bodyLine: number;
  diagnostics: Diagnostic[];
}

/** Bounds on a command or agent file (docs/configuration.md, "Limits"). */
export const MARKDOWN_LIMITS = {
  /** Characters of front matter. */
  maxFrontMatter: 4 * 1024 * 1024,
} as const;

/** Values Claude Code quotes and parses again when front matter is not valid YAML (its `YAML_SPECIAL_CHARS`). */
const SPECIAL = /[{}[\]*&#!|>%@`]|: /;
const KEY_LINE = /^([A-Za-z_][\w-]*):[ \t]+(\S.*)$/;

/**
 * Splits a markdown command (or agent) file into front matter and body, and parses the front
 * matter as Claude Code does (`readFrontMatter`). Every problem is a diagnostic of this file with
 * its line and column; nothing here throws on any input, and nothing is evaluated (`---js`
 * opens no front matter).
 */
export function parseMarkdownFile(file: string, text: string): ParsedMarkdown {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const empty: RawFrontMatter = { data: {}, locate: () => ({ file, line: 1, column: 1 }), lineText: (line) => source.lineText(line) };
  const result = (body: string, bodyLine: number, frontMatter = empty): ParsedMarkdown => ({ frontMatter, body, bodyLine, diagnostics });

  if (text.trim() === '') {
    diagnostics.push(source.diagnostic('warning', 'front-matter/empty-file', 'empty command file', { file, line: 1, column: 1 }, { hint: 'add a description in front matter and a prompt, or delete the file' }));
    return result('', 1);
  }
  const split = splitFrontMatter(text);
  switch (split.kind) {
    case 'none':
      return result(text, 1);
    case 'not-an-opener':
      diagnostics.push(
        source.diagnostic('warning', 'front-matter/not-opened', `the first line '${printable(split.firstLine)}' does not open front matter (only '---' does); the whole file is the prompt`, source.lineLocation(1), {
          hint: "make the first line exactly '---' to give the file front matter",
        }),
      );
      return result(text, 1);
    case 'unclosed':
      diagnostics.push(source.diagnostic('error', 'front-matter/unclosed', 'front matter opened here is never closed', source.lineLocation(1), { hint: "end the front matter with a line of three dashes '---'" }));
      return result(text, 1);
    case 'front-matter':
      return result(text.slice(split.bodyStart), source.position(split.bodyStart).line, readFrontMatter(source, split.yamlStart, split.yamlEnd, diagnostics) ?? empty);
  }
}

/**
 * The front matter between two offsets of the file: YAML first; when that fails, each top-level
 * `key: value` line whose value holds a YAML indicator (`[]{}*&#!|>%@` and backquote, or `: `)
 * and is not valid YAML on its own is quoted, and the whole is parsed again (Claude Code's
 * quote-and-retry, so `description: **Run** it` and `argument-hint: [pr-number] [priority]`
 * read as text), with a warning that says how to be exact. Quoted and block (`|`, `>`) values,
 * and brackets left open (`agents: [a, b`), are never rewritten: their errors are errors.
 * Undefined, with the errors reported, when it cannot be read.
 */
function readFrontMatter(source: SourceFile, start: number, end: number, diagnostics: Diagnostic[]): RawFrontMatter | undefined {
  const yamlText = source.text.slice(start, end);
  const report = (problem: YamlProblem, prefix = 'front matter: '): undefined => {
    const code = problem.code === 'yaml/syntax' ? 'front-matter/yaml' : problem.code.replace(/^yaml\//, 'front-matter/');
    diagnostics.push(source.diagnostic('error', code, `${prefix}${problem.message}`, source.location(start + problem.start, start + problem.end), problem.hint ? { hint: problem.hint } : {}));
    return undefined;
  };
  if (yamlText.length > MARKDOWN_LIMITS.maxFrontMatter) {
    return report({ code: 'yaml/too-large', message: `${yamlText.length} characters, more than the ${MARKDOWN_LIMITS.maxFrontMatter} orch reads`, start: 0, end: 1, hint: 'move long text into the body' });
  }

  let { document, problem } = parseYaml(yamlText);
  if (problem?.code === 'yaml/syntax') {
    const { text: quotedText, quoted } = quoteUnparsableValues(yamlText);
    const retried = quoted.length > 0 ? parseYaml(quotedText) : { problem };
    if (retried.problem) return report(problem, 'front matter is not valid YAML: ');
    diagnostics.push(lenientWarning(source, start, problem, quoted));
    ({ document, problem } = retried);
  }
  if (problem || !document) return report(problem!);

  const locate = yamlLocator(document, source, start);
  if (document.contents !== null && !isMap(document.contents)) {
    diagnostics.push(
      source.diagnostic('error', 'front-matter/not-a-mapping', `front matter must be a mapping of keys to values, found ${describeNode(document)}`, locate([]).location, {
        hint: 'write `key: value` lines, e.g. `description: Run the unit tests`',
      }),
    );
    return undefined;
  }
  const value = yamlValue(document);
  if (value.problem) return report(value.problem);
  return {
    data: (value.value ?? {}) as Record<string, unknown>,
    locate: (path, options) => locate(path, options).location,
    lineText: (line) => source.lineText(line),
    sourceText: (path) => sourceText(document, source, start, path),
  };
}

/** Claude Code reads such lines as plain `key: text`; so does orch, and says how to be exact. */
function lenientWarning(source: SourceFile, start: number, problem: YamlProblem, quoted: readonly QuotedLine[]): Diagnostic {
  const [first] = quoted;
  const keys = quoted.map((line) => `'${line.key}'`).join(', ');
  return source.diagnostic('warning', 'front-matter/lenient', `front matter is not valid YAML (${problem.message}); ${keys} read as plain text, as Claude Code reads ${quoted.length === 1 ? 'it' : 'them'}`, source.location(start + first!.offset, start + first!.offset + first!.key.length), {
    hint: `quote the value to make it valid YAML: ${first!.key}: ${JSON.stringify(first!.value)}`,
  });
}

interface QuotedLine {
  key: string;
  value: string;
  /** Offset of the line in the front matter. */
  offset: number;
}

/**
 * Claude Code's retry: the top-level `key: value` lines that hold a YAML indicator and do not
 * parse alone, quoted; every line stays where it was, so positions do not move.
 */
function quoteUnparsableValues(yamlText: string): { text: string; quoted: QuotedLine[] } {
  const quoted: QuotedLine[] = [];
  let offset = 0;
  const lines = yamlText.split('\n').map((line) => {
    const lineOffset = offset;
    offset += line.length + 1;
    const match = KEY_LINE.exec(line);
    if (!match || !SPECIAL.test(match[2]!) || /^["'|>]/.test(match[2]!) || (/^[[{]/.test(match[2]!) && !balanced(match[2]!))) return line;
    if (parseDocument(line, { prettyErrors: false, logLevel: 'error' }).errors.length === 0) return line;
    const value = match[2]!.trimEnd();
    quoted.push({ key: match[1]!, value, offset: lineOffset });
    return `${match[1]}: ${JSON.stringify(value)}`;
  });
  return { text: lines.join('\n'), quoted };
}

/** Whether every bracket of a value closes on its line (`[pr-number] [priority]`, not `[a, b`). */
function balanced(value: string): boolean {
  let depth = 0;
  for (const char of value) {
    if (char === '[' || char === '{') depth++;
    else if ((char === ']' || char === '}') && --depth < 0) return false;
  }
  return depth === 0;
}

/** The text of the value at a key path, as written (flow collections included). */
function sourceText(document: Document, source: SourceFile, start: number, path: readonly (string | number)[]): string | undefined {
  const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  if (!node?.range) return undefined;
  return source.text.slice(start + node.range[0], start + node.range[1]).trimEnd();
}

function describeNode(document: Document): string {
  const contents = document.contents;
  if (isSeq(contents)) return 'a list';
  if (!isScalar(contents)) return 'an alias';
  const value = contents.value;
  if (typeof value === 'string') return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A line for a message: control characters (a NUL) shown as escapes. */
function printable(line: string): string {
  const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
