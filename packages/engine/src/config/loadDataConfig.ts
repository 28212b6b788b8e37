import { createRequire } from 'node:module';
import type { ParseError } from 'jsonc-parser';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { findDeepNesting } from '../yaml/findDeepNesting.js';
import { parseYaml, yamlValue, YAML_LIMITS, type YamlProblem } from '../yaml/readYaml.js';
import { configLoadError } from './configLoadError.js';

/** Characters of a JSON or YAML config orch reads (docs/configuration.md, "Limits"). */
const require = createRequire(import.meta.url);
/** jsonc-parser, loaded when there is a JSON syntax error to locate (never on a start-up that finds none). */
const jsonc = (): typeof import('jsonc-parser') => require('jsonc-parser') as typeof import('jsonc-parser');

export const MAX_CONFIG_CHARACTERS = 16 * 1024 * 1024;

/**
 * Loads a JSON config (or `package.json`): `JSON.parse` semantics, after checks that keep a
 * hostile file from exhausting the stack or memory. A syntax error is located exactly (the
 * message of `JSON.parse` often has no position; jsonc-parser finds it).
 */
export function loadJsonConfig(file: string, content: string): unknown {
  const source = bounded(file, content);
  const deep = findDeepNesting(source.text, YAML_LIMITS.maxDepth);
  if (deep >= 0) throw tooDeep(source, deep);
  try {
    return JSON.parse(source.text) as unknown;
  } catch (error) {
    const { offset, length, message } = jsonSyntaxError(source.text, error);
    throw configLoadError(file, source.location(offset, offset + length), `not valid JSON: ${message}`, 'fix the JSON at this place (strings in double quotes, no trailing commas or comments)', error);
  }
}

/**
 * Where and what a JSON syntax error is, for text `JSON.parse` refused with `error`: its message
 * often has no position, so jsonc-parser finds it (`offset` in characters, `length` at least 1;
 * `message` in words: `value expected`).
 */
export function jsonSyntaxError(text: string, error: unknown): { offset: number; length: number; message: string } {
  const errors: ParseError[] = [];
  jsonc().parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const [first] = errors;
  return { offset: first?.offset ?? text.length, length: Math.max(1, first?.length ?? 1), message: first ? describeJsonError(jsonc().printParseErrorCode(first.error)) : error instanceof Error ? error.message : String(error) };
}

/** Loads a YAML config (`.orchrc`, `.orchrc.yaml`, `orchestrator.config.yml`), located like front matter. */
export function loadYamlConfig(file: string, content: string): unknown {
  const source = bounded(file, content);
  const { document, problem } = parseYaml(source.text);
  const fail = (found: YamlProblem): Error => configLoadError(file, source.location(found.start, found.end), `not valid YAML: ${found.message}`, found.hint ?? 'fix the YAML at this place');
  if (problem || !document) throw fail(problem!);
  const value = yamlValue(document);
  if (value.problem) throw fail(value.problem);
  return value.value;
}

function bounded(file: string, content: string): SourceFile {
  const source = new SourceFile(file, content.replace(/^\uFEFF/, ''));
  if (source.text.length > MAX_CONFIG_CHARACTERS) {
    throw configLoadError(file, { file, line: 1, column: 1 }, `${source.text.length} characters, more than the ${MAX_CONFIG_CHARACTERS} orch reads in a config`, 'move commands into markdown files, or split the config into plugins');
  }
  return source;
}

function tooDeep(source: SourceFile, offset: number): Error {
  return configLoadError(source.file, source.location(offset), `nested more than ${YAML_LIMITS.maxDepth} levels deep`, `orch reads at most ${YAML_LIMITS.maxDepth} nested levels; flatten the structure`);
}

/** jsonc-parser's codes (`PropertyNameExpected`) as words. */
function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
