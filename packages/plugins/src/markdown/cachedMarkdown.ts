import { readFileSync } from 'node:fs';
import type { Diagnostic, RawFrontMatter, SourceLocation } from '@orch/engine';
import type { WorkspaceCache } from '../state/WorkspaceCache.js';
import { decodeText, MAX_MARKDOWN_BYTES, readMarkdownText } from './decodeText.js';
import { parseMarkdownFile, type ParsedMarkdown } from './parseMarkdownFile.js';

const SECTION = 'markdown';

/**
 * A command or agent file as the workspace cache keeps it: its front matter's values, its body, and the
 * places and source texts the metadata stage asked for (a dependency's place, a step's), each
 * keyed by the path asked (`JSON.stringify([path, key])`).
 */
interface KeptMarkdown {
  data: Record<string, unknown>;
  body: string;
  bodyLine: number;
  places: Record<string, Omit<SourceLocation, 'file'>>;
  texts: Record<string, string | null>;
}

/**
 * A markdown command or agent file read and parsed (`parseMarkdownFile`), or its problem; from the
 * workspace cache when its bytes are the ones cached, so an unchanged file is neither read nor
 * parsed as YAML (issue 13: the `yaml` package is then not even loaded). Only a file that parsed
 * without a problem, and whose front matter values are plain JSON (no `.inf`, `!!binary`, sets),
 * is kept. A place the cache does not hold (a diagnostic's, found later) is found by parsing
 * the file then.
 */
export async function readMarkdownFile(path: string, cache: WorkspaceCache | undefined): Promise<{ parsed: ParsedMarkdown } | { diagnostic: Diagnostic }> {
  const found = cache?.lookup(SECTION, path, isKeptMarkdown, { maxBytes: MAX_MARKDOWN_BYTES });
  const kept = found?.value as KeptMarkdown | undefined;
  if (kept) return { parsed: { frontMatter: replayed(path, kept), body: kept.body, bodyLine: kept.bodyLine, diagnostics: [] } };
  const read = found?.bytes ? decodeText(path, found.bytes) : await readMarkdownText(path);
  if ('diagnostic' in read) return read;
  const parsed = parseMarkdownFile(path, read.text);
  if (!found || parsed.diagnostics.length > 0 || !isPlainJson(parsed.frontMatter.data)) return { parsed };
  const keep: KeptMarkdown = { data: parsed.frontMatter.data, body: parsed.body, bodyLine: parsed.bodyLine, places: {}, texts: {} };
  // Stored again with each place the metadata stage asks for, before discovery saves the cache.
  const store = () => cache!.store(SECTION, path, found, keep);
  store();
  return { parsed: { ...parsed, frontMatter: recording(path, parsed.frontMatter, keep, store) } };
}

const placeKey = (path: readonly (string | number)[], options?: { key?: boolean }) => JSON.stringify([path, options?.key === true]);

/** The parsed front matter, noting each place and source text asked for into `keep`. */
function recording(file: string, frontMatter: RawFrontMatter, keep: KeptMarkdown, store: () => void): RawFrontMatter {
  return {
    data: frontMatter.data,
    locate(path, options) {
      const location = frontMatter.locate(path, options);
      const key = placeKey(path, options);
      if (location.file === file && !Object.hasOwn(keep.places, key)) {
        const { file: _, ...place } = location;
        keep.places[key] = place;
        store();
      }
      return location;
    },
    lineText: (line) => frontMatter.lineText(line),
    sourceText(path) {
      const text = frontMatter.sourceText?.(path);
      keep.texts[JSON.stringify(path)] = text ?? null;
      store();
      return text;
    },
  };
}

/** The kept front matter; what it does not hold comes from parsing the file again, once. */
function replayed(file: string, kept: KeptMarkdown): RawFrontMatter {
  let parsed: RawFrontMatter | undefined;
  const full = (): RawFrontMatter => {
    if (!parsed) {
      const read = decodeText(file, readFileSync(file));
      parsed = 'diagnostic' in read ? { data: kept.data, locate: () => ({ file, line: 1, column: 1 }), lineText: () => undefined } : parseMarkdownFile(file, read.text).frontMatter;
    }
    return parsed;
  };
  return {
    data: kept.data,
    locate(path, options) {
      const place = kept.places[placeKey(path, options)];
      return place ? { file, ...place } : full().locate(path, options);
    },
    lineText: (line) => full().lineText(line),
    sourceText(path) {
      const key = JSON.stringify(path);
      return Object.hasOwn(kept.texts, key) ? (kept.texts[key] ?? undefined) : full().sourceText?.(path);
    },
  };
}

function isKeptMarkdown(value: unknown): value is KeptMarkdown {
  const kept = value as Partial<KeptMarkdown> | null;
  const isRecord = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  return isRecord(kept) && isRecord(kept!.data) && typeof kept!.body === 'string' && typeof kept!.bodyLine === 'number' && isRecord(kept!.places) && isRecord(kept!.texts);
}

/** Whether a value comes back the same from JSON: no `undefined`, `NaN`, `Infinity`, `-0`, bytes, sets or maps. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isPlainJson);
}
