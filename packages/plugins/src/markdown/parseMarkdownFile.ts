import { isMap, parseDocument } from 'yaml';
import { SourceFile, yamlLocator, type Diagnostic, type RawFrontMatter } from '@orch/engine';
import { lazyRequire } from '../lazyRequire.js';

const matter = lazyRequire<typeof import('gray-matter')>('gray-matter');

export interface ParsedMarkdown {
  frontMatter: RawFrontMatter;
  body: string;
  /** 1-based line where the body starts. */
  bodyLine: number;
  diagnostics: Diagnostic[];
}

const OPENER = /^---[a-z]*[ \t]*\n/;
const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: true } as const;

/**
 * Quotes the value of each top-level `key: value` line that is not valid YAML on its own
 * (`description: **Run** it`, `description: Use when: x`), keeping every line where it was.
 */
function quoteUnparsableLines(yamlText: string): string {
  return yamlText
    .split('\n')
    .map((line) => {
      // Values that open YAML structure (lists, mappings, quotes, blocks) are left as written:
      // their errors are real errors.
      const match = /^([A-Za-z_][\w-]*):[ \t]+([^\s[{"'|>].*)$/.exec(line);
      if (!match || parseDocument(line, YAML_OPTIONS).errors.length === 0) return line;
      return `${match[1]}: ${JSON.stringify(match[2]!.trimEnd())}`;
    })
    .join('\n');
}

/**
 * Splits a markdown command into front matter and body with gray-matter, parsing the front
 * matter with the `yaml` package (YAML 1.2 core schema: no implicit dates). Never uses
 * gray-matter's cache: it is always called with options. YAML errors come back as
 * diagnostics with the file's own line and column.
 */
export function parseMarkdownFile(file: string, text: string): ParsedMarkdown {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const empty: RawFrontMatter = { data: {}, locate: () => ({ file, line: 1, column: 1 }), lineText: (line) => source.lineText(line) };

  if (text.trim() === '') {
    diagnostics.push(source.diagnostic('warning', 'front-matter/empty-file', 'empty command file', { file, line: 1, column: 1 }, { hint: 'add a description in front matter and a prompt, or delete the file' }));
    return { frontMatter: empty, body: '', bodyLine: 1, diagnostics };
  }

  const opener = OPENER.exec(text);
  if (opener && !/\n---[ \t]*(\n|$)/.test(text.slice(opener[0].length - 1))) {
    diagnostics.push(
      source.diagnostic('error', 'front-matter/unclosed', 'front matter opened here is never closed', source.lineLocation(1), {
        hint: "end the front matter with a line of three dashes '---'",
      }),
    );
    return { frontMatter: empty, body: text, bodyLine: 1, diagnostics };
  }

  let yamlText: string | undefined;
  const parsed = matter()(text, {
    language: 'yaml',
    engines: {
      yaml: {
        parse(raw: string): object {
          yamlText = raw;
          return {};
        },
        stringify: () => '',
      },
    },
  });

  const bodyOffset = text.length - parsed.content.length;
  const bodyLine = source.position(bodyOffset).line;
  if (yamlText === undefined || !opener) return { frontMatter: empty, body: parsed.content, bodyLine, diagnostics };

  const baseOffset = opener[0].length - 1;
  let document = parseDocument(yamlText, YAML_OPTIONS);
  if (document.errors.length > 0) {
    // The first error only: the ones after it are mostly its echoes.
    const error = document.errors[0]!;
    const location = source.location(baseOffset + error.pos[0], baseOffset + Math.max(error.pos[0] + 1, error.pos[1]));
    const message = `front matter is not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
    const lenient = parseDocument(quoteUnparsableLines(yamlText), YAML_OPTIONS);
    if (lenient.errors.length > 0) {
      diagnostics.push(source.diagnostic('error', 'front-matter/yaml', message, location, { hint: yamlHint(error.code) }));
      return { frontMatter: empty, body: parsed.content, bodyLine, diagnostics };
    }
    // Claude Code reads such lines as plain `key: text`; so does orch, and says how to be exact.
    diagnostics.push(
      source.diagnostic('warning', 'front-matter/lenient', `${message}; read as plain 'key: text' lines, as Claude Code reads them`, location, {
        hint: 'quote the value (description: "…") to make the front matter valid YAML',
      }),
    );
    document = lenient;
  }
  const locate = yamlLocator(document, source, baseOffset);

  const contents = document.contents;
  if (contents !== null && !isMap(contents)) {
    const { location } = locate([]);
    diagnostics.push(
      source.diagnostic('error', 'front-matter/not-a-mapping', `front matter must be a mapping of keys to values, found ${describeNode(document.toJS())}`, location, {
        hint: 'write `key: value` lines, e.g. `description: Run the unit tests`',
      }),
    );
    return { frontMatter: empty, body: parsed.content, bodyLine, diagnostics };
  }
  const data = (document.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  return {
    frontMatter: { data, locate: (path, options) => locate(path, options).location, lineText: (line) => source.lineText(line) },
    body: parsed.content,
    bodyLine,
    diagnostics,
  };
}

function describeNode(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once; remove or merge the repeated key';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return "a value that contains ': ' must be quoted, e.g. description: \"a: b\"";
    case 'TAB_AS_INDENT':
      return 'indent YAML with spaces, not tabs';
    default:
      return "quote values that contain ':', '#', or start with '@', '`', '*' or '&'";
  }
}
