import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { textLocator } from '../diagnostics/yamlLocator.js';
import { parseDuration } from '../parseDuration.js';
import { configLoadError } from './configLoadError.js';

/** How long a config's promise (or the promise its function returns) may take. `ORCH_CONFIG_TIMEOUT` changes it. */
export const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;

/**
 * Loaded with Node's own `import`: ES modules, whose stack frames need no mapping. Everything
 * else goes through jiti: TypeScript, and CommonJS (`.js`, `.cjs`), where Node prints a process
 * warning of its own for a file with module syntax.
 */
const NATIVE = new Set(['.mjs']);

/**
 * Imports a JavaScript or TypeScript config and returns its default export as it is (a value,
 * a function, a promise). TypeScript goes through jiti, which strips types without the
 * TypeScript compiler; source maps are on while the config loads, so an error points at the
 * config's own line and column. Anything the config throws is a located error, and an
 * import that never finishes (a top-level `await` that never settles) an error after the time
 * limit of `settleConfigExport`.
 */
export async function importConfigModule(file: string): Promise<unknown> {
  return withinConfigLimits(file, async () => {
    const native = NATIVE.has(extname(file));
    let module: Record<string, unknown> | undefined;
    try {
      module = (native ? await import(pathToFileURL(file).href) : await importWithJiti(file)) as Record<string, unknown> | undefined;
    } catch (error) {
      // Node's syntax errors in ES modules carry no position; jiti's parser says where.
      if (error instanceof SyntaxError && native) await importWithJiti(file);
      throw error;
    }
    if (!module || typeof module !== 'object') return undefined;
    // An ES module's configuration is its default export; a CommonJS one's is `module.exports`,
    // unless nothing was put there (a file with neither `export` nor `module.exports`).
    const isEsModule = (module as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module' || module.__esModule === true;
    if (isEsModule) return module.default;
    return Object.keys(module).length > 0 ? module : undefined;
  });
}

/**
 * The configuration a default export stands for: a function is called with `{ root }`, a
 * promise awaited, within `ORCH_CONFIG_TIMEOUT` (default 10 s): one that never settles is an
 * error at the default export, not a hang.
 */
export async function settleConfigExport(file: string, exported: unknown, root: string): Promise<unknown> {
  if (typeof exported !== 'function' && !isThenable(exported)) return exported;
  return withinConfigLimits(file, async () => (typeof exported === 'function' ? (exported as (env: { root: string }) => unknown)({ root }) : exported));
}

class ConfigTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`the config did not finish loading within ${limitMs} ms (a promise that never settles)`);
  }
}

async function importWithJiti(file: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, interopDefault: false, sourceMaps: true });
  // Always through jiti's own parser: left to Node, CommonJS with module syntax prints a process
  // warning before jiti falls back to transpiling it.
  return jiti.evalModule(await readFile(file, 'utf8'), { filename: file, id: file, ext: extname(file), async: true, forceTranspile: true });
}

/**
 * Runs config code within the time limit, with source maps on so its stack frames name the
 * config's own lines; anything it throws becomes a located error.
 */
async function withinConfigLimits<T>(file: string, work: () => Promise<T>): Promise<T> {
  const limitMs = parseDuration(process.env.ORCH_CONFIG_TIMEOUT ?? '') ?? DEFAULT_CONFIG_TIMEOUT_MS;
  const before = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    // Not unref'd: when nothing else keeps the process alive, this limit is what ends the wait.
    timer = setTimeout(() => reject(new ConfigTimeout(limitMs)), limitMs);
  });
  try {
    return await Promise.race([work(), limit]);
  } catch (error) {
    // The stack is formatted (and source-mapped) here, before source maps are turned off again.
    throw failure(file, error);
  } finally {
    clearTimeout(timer);
    process.setSourceMapsEnabled(before);
  }
}

function failure(file: string, error: unknown): Error {
  if (error instanceof ConfigTimeout) {
    return configLoadError(file, exportLocation(file), error.message, `make the exported promise settle, or raise ORCH_CONFIG_TIMEOUT (default ${DEFAULT_CONFIG_TIMEOUT_MS / 1000}s)`);
  }
  const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/^ParseError: /, 'syntax error: ').trim() : `it threw ${typeof error === 'string' ? `'${error}'` : String(error)}`;
  return configLoadError(file, thrownAt(file, error) ?? exportLocation(file), message, 'fix the config file so it loads with `node`, and export the configuration as the default export', error);
}

/** Where in the config file an error was thrown: the first stack frame (or syntax error position) in it. */
function thrownAt(file: string, error: unknown): SourceLocation | undefined {
  if (!(error instanceof Error)) return undefined;
  const text = `${error.message}\n${error.stack ?? ''}`;
  const places = [file, pathToFileURL(file).href].map((place) => place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const frame = new RegExp(`(?:${places.join('|')}):(\\d+)(?::(\\d+))?`).exec(text);
  if (!frame) return undefined;
  const line = Number(frame[1]);
  // jiti's syntax errors count columns from 0, stack frames from 1.
  let column = Number(frame[2] ?? 1) + (/ParseError/.test(error.message) ? 1 : 0);
  // A frame on a line jiti prefixed with its own code may keep the generated column: past the
  // end of the line, the line's first character stands for it.
  const written = lineOf(file, line);
  if (written !== undefined && column > written.length + 1) column = written.search(/\S|$/) + 1;
  return { file, line, column: Math.max(1, column) };
}

function lineOf(file: string, line: number): string | undefined {
  try {
    return SourceFile.read(file).lineText(line);
  } catch {
    return undefined;
  }
}

/** The `export default` (or `module.exports`) statement, else the first line. */
export function exportLocation(file: string): SourceLocation {
  try {
    return textLocator(SourceFile.read(file))([]).location;
  } catch {
    return { file, line: 1, column: 1 };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
