import type { Document } from 'yaml';
import { parseYaml, SourceFile, yaml, yamlLocator, yamlValue, type Diagnostic, type RawFrontMatter, type YamlProblem } from '@orch/engine';
import { EXACT_KEYS } from './frontMatterSchema.js';
import { quoteUnreadableValues, type QuotedLine } from './quoteUnreadableValues.js';
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

/** What makes Claude Code quote and retry: the YAML does not parse, an alias has no anchor, a tag is unknown. */
const RETRIED = new Set(['yaml/syntax', 'yaml/unknown-alias', 'yaml/unknown-tag']);

/**
 * The front matter between two offsets of the file, read as Claude Code reads it: YAML first;
 * when that fails, Claude Code's quote-and-retry (`quoteUnreadableValues`), with a warning that
 * says how to be exact, except for orch's own keys that change what runs (`EXACT_KEYS`): a
 * value of theirs that starts with an indicator (`run: [echo a`) is never guessed, its line is
 * an error. Where the retry does not help either
 * (Claude Code then drops the whole front matter silently), the YAML error is an error of this
 * file at its line. Undefined, with the errors reported, when it cannot be read.
 */
function readFrontMatter(source: SourceFile, start: number, end: number, diagnostics: Diagnostic[]): RawFrontMatter | undefined {
  const yamlText = source.text.slice(start, end);
  const at = (problem: Pick<YamlProblem, 'start' | 'end'>) => source.location(start + problem.start, start + problem.end);
  const report = (problem: YamlProblem, prefix = 'front matter: '): undefined => {
    const code = problem.code === 'yaml/syntax' ? 'front-matter/yaml' : problem.code.replace(/^yaml\//, 'front-matter/');
    diagnostics.push(source.diagnostic('error', code, `${prefix}${problem.message}`, at(problem), problem.hint ? { hint: problem.hint } : {}));
    return undefined;
  };
  if (yamlText.length > MARKDOWN_LIMITS.maxFrontMatter) {
    return report({ code: 'yaml/too-large', message: `${yamlText.length} characters, more than the ${MARKDOWN_LIMITS.maxFrontMatter} orch reads`, start: 0, end: 1, hint: 'move long text into the body' });
  }

  let read = readYamlText(yamlText);
  // orch's own keys whose broken value it refuses to guess: an error, and then not read at all,
  // so no second error comes from the guess (findings R2 #17: `dependencies: [hello, b`).
  let unread: string[] = [];
  const first = read.problem;
  if (first && RETRIED.has(first.code)) {
    const { text, quoted } = quoteUnreadableValues(yamlText);
    const retried = quoted.length > 0 ? readYamlText(text) : undefined;
    if (retried && !retried.problem) {
      diagnostics.push(...retryDiagnostics(source, start, quoted));
      unread = quoted.filter(isGuess).map((line) => line.key);
      read = retried;
    } else if (first.code === 'yaml/unknown-tag' && read.document) {
      // A tag in a place the retry does not reach: read without it, as YAML (and Claude Code) do.
      diagnostics.push(source.diagnostic('warning', 'front-matter/unknown-tag', `front matter: ${first.message}; the value is read without it`, at(first), first.hint ? { hint: first.hint } : {}));
      read = { document: read.document, value: yamlValue(read.document) };
    }
  }
  if (read.problem || !read.document) return report(read.problem!, read.problem?.code === 'yaml/syntax' ? 'front matter is not valid YAML: ' : 'front matter: ');
  const { document } = read;
  const locate = yamlLocator(document, source, start);
  if (document.contents !== null && !yaml().isMap(document.contents)) {
    diagnostics.push(
      source.diagnostic('error', 'front-matter/not-a-mapping', `front matter must be a mapping of keys to values, found ${describeNode(document)}`, locate([]).location, {
        hint: 'write `key: value` lines, e.g. `description: Run the unit tests`',
      }),
    );
    return undefined;
  }
  if (read.value?.problem) return report(read.value.problem);
  const data = (read.value?.value ?? {}) as Record<string, unknown>;
  for (const key of unread) delete data[key];
  return {
    data,
    locate: (path, options) => locate(path, options).location,
    lineText: (line) => source.lineText(line),
    sourceText: (path) => sourceText(document, source, start, path),
  };
}

/**
 * YAML text parsed, with the first problem that stops it reading cleanly: a syntax error, then
 * (for a mapping) a value problem (`yamlValue`), then a tag YAML does not know (`!important`).
 */
function readYamlText(text: string): { document?: Document; problem?: YamlProblem; value?: ReturnType<typeof yamlValue> } {
  const { document, problem } = parseYaml(text);
  if (problem || !document) return { ...(document ? { document } : {}), ...(problem ? { problem } : {}) };
  if (document.contents !== null && !yaml().isMap(document.contents)) return { document };
  const value = yamlValue(document);
  if (value.problem?.code === 'yaml/unknown-alias') return { document, value, problem: value.problem };
  const tag = document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (tag && !value.problem) {
    const written = text.slice(tag.pos[0], tag.pos[1]).split(/\s/)[0] || 'this tag';
    return { document, value, problem: { code: 'yaml/unknown-tag', message: `the tag '${written}' is not one YAML knows`, start: tag.pos[0], end: Math.max(tag.pos[0] + 1, tag.pos[1]), hint: `YAML reads '!name' as a tag; quote the value if it is text ("${written} …")` } };
  }
  return { document, value };
}

/**
 * For each line the retry quoted: a warning that it is read as text, as Claude Code reads it,
 * with the quoted form to be exact; an error for a value of orch's own keys (`EXACT_KEYS`) that
 * starts with a YAML indicator, which orch never guesses.
 */
function retryDiagnostics(source: SourceFile, start: number, quoted: readonly QuotedLine[]): Diagnostic[] {
  return quoted.map((line) => {
    const column = source.text.indexOf(line.value, start + line.offset + line.key.length + 1);
    const at = source.location(column, column + line.value.length);
    // Text that starts as plain text (`echo "a: b"`) is what was written; one that starts with an
    // indicator (`[echo a`, `*x`, `!tag`) was meant as something else, which orch never guesses for its own keys.
    if (isGuess(line)) {
      return source.diagnostic('error', 'front-matter/yaml', `${line.key}: not valid YAML (${line.problem}); orch never reads ${line.key} as a guess, since it changes what runs`, at, {
        hint: `write it as YAML: quote text (${line.key}: ${JSON.stringify(line.value)}), close a bracket, or write a list`,
      });
    }
    return source.diagnostic('warning', 'front-matter/lenient', `${line.key}: not valid YAML (${line.problem}); read as the text written, as Claude Code reads it`, at, {
      hint: `quote the value to make it valid YAML: ${line.key}: ${JSON.stringify(line.value)}`,
    });
  });
}

/** A retried value of orch's own keys (`EXACT_KEYS`) that starts with a YAML indicator: meant as something else, never guessed. */
function isGuess(line: QuotedLine): boolean {
  return EXACT_KEYS.has(line.key) && /^[[{*&!|>%@`]/.test(line.value);
}

/** The text of the value at a key path, as written (flow collections included). */
function sourceText(document: Document, source: SourceFile, start: number, path: readonly (string | number)[]): string | undefined {
  const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  if (!node?.range) return undefined;
  return source.text.slice(start + node.range[0], start + node.range[1]).trimEnd();
}

function describeNode(document: Document): string {
  const contents = document.contents;
  if (yaml().isSeq(contents)) return 'a list';
  if (!yaml().isScalar(contents)) return 'an alias';
  const value = contents.value;
  if (typeof value === 'string') return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A line for a message: control characters (a NUL) shown as escapes. */
function printable(line: string): string {
  const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
