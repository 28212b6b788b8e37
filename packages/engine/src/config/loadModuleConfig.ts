import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TransformOptions } from 'jiti';
import { copiedConfig, copyConfigValue, type CopiedConfig } from './copyConfigExport.js';
import { runConfigCode, type StuckRenderer } from './runConfigCode.js';

/**
 * Top-level code that may wait: an `await`, or a runtime `import` or re-export (jiti turns each
 * into an `await`). Erring on the side of waiting: one in a comment or a string counts too.
 * `import type` does not: TypeScript removes it.
 */
const MAY_WAIT = /\bawait\b|^\s*import\s*(?!type\s)[\w{*'"]|^\s*export\s*(?:\*|\{[^}]*\})\s*from\b/m;

/**
 * Imports a JavaScript or TypeScript config and returns its default export as it is (a value,
 * a function, a promise), as `exported`: a promise is not awaited here, but by
 * `settleConfigExport`. The import runs under `runConfigCode`: whatever the config throws,
 * leaves unhandled or calls, and an import that never finishes, is a located error.
 *
 * ES modules (`.mjs`) are loaded with Node's own `import`, whose stack frames need no mapping;
 * everything else through jiti (TypeScript, and CommonJS, where Node prints a process warning of
 * its own for a file with module syntax). A config whose top level cannot wait (no runtime
 * `import`, no `await`: the starter config of `orch init`, and every `import type` +
 * `satisfies` config) is evaluated by jiti synchronously, so its time limit needs no watchdog
 * thread (see `runConfigCode`).
 */
export async function importConfigModule(file: string, renderStuck?: StuckRenderer): Promise<{ exported: unknown }> {
  const native = extname(file) === '.mjs';
  const source = await readFile(file, 'utf8');
  // Always through jiti's own parser: left to Node, CommonJS with module syntax prints a process
  // warning before jiti falls back to transpiling it. jiti is loaded only for what Node cannot
  // import itself: an `.mjs` config starts without it.
  const evaluator = async (async: boolean): Promise<() => unknown> => {
    const { createJiti } = await import('jiti');
    const options = { moduleCache: false, interopDefault: false, sourceMaps: true, fsCache: transpileCacheDir(file) };
    const plain = createJiti(pathToFileURL(file).href, options);
    const jiti = createJiti(pathToFileURL(file).href, { ...options, transform: (asked) => transpiled(asked, () => plain.transform(asked)) });
    return () => jiti.evalModule(source, { filename: file, id: file, ext: extname(file), async, forceTranspile: true });
  };
  // The default export is found within the limit, and boxed: reading it may run a Proxy's traps (findings R2 #10).
  const boxed = (module: unknown) => ({ exported: defaultExport(module) });
  try {
    const load = native ? () => import(pathToFileURL(file).href) : await evaluator(MAY_WAIT.test(source));
    return (await runConfigCode(file, load, renderStuck, boxed)) as { exported: unknown };
  } catch (error) {
    // Node's syntax errors in ES modules carry no position; jiti's parser says where.
    if (native && (error as { cause?: unknown }).cause instanceof SyntaxError) await runConfigCode(file, await evaluator(true), renderStuck);
    throw error;
  }
}

/** What jiti transpiled in this process, by file, options and source: the daemon loads the same config at each invocation (issue 13). */
const TRANSPILED = new Map<string, string>();
const TRANSPILED_KEPT = 64;

/**
 * jiti's transform of `asked` (a config, or a file it imports), done once per process for the same
 * file, options and source: babel took ~4 ms of each invocation a daemon served with a
 * TypeScript config. The same source gives the same code, so a change is a new key; the
 * oldest of `TRANSPILED_KEPT` go first.
 */
function transpiled(asked: TransformOptions, transform: () => string): { code: string } {
  const key = JSON.stringify([asked.filename, asked.ts, asked.async, asked.jsx, asked.retainLines, asked.interopDefault, asked.babel, asked.source]);
  let code = TRANSPILED.get(key);
  if (code === undefined) {
    code = transform();
    if (TRANSPILED.size >= TRANSPILED_KEPT) TRANSPILED.delete(TRANSPILED.keys().next().value!);
    TRANSPILED.set(key, code);
  }
  return { code };
}

/**
 * Where jiti keeps the transpiled config: `node_modules/.cache/jiti` beside the config when that
 * node_modules is a real folder inside the config's own folder; else `.orch/transpiled` there
 * when orch's default state folder is (orch made it: a `.orch` of the repository's, git-ignored by
 * `orch init`; `loadConfig` removes it once the config turns out to keep its state elsewhere);
 * else nowhere (`false`: transpiled again each load, ~80 ms of babel for the
 * example's config, with jiti loading its transform). jiti's default falls back to
 * `$TMPDIR/jiti`, a file per config path never cleaned, outside the repository (findings 15 #12),
 * which orch never writes. A file per version of the config is left there (a few KB each).
 */
function transpileCacheDir(file: string): string | false {
  const folder = dirname(file);
  const real = realpathSync(folder);
  const modules = join(folder, 'node_modules');
  if (existsSync(modules)) {
    const inside = realpathSync(modules);
    if (inside.startsWith(real + sep)) return join(inside, '.cache', 'jiti');
  }
  const state = join(folder, '.orch');
  return lstatSync(state, { throwIfNoEntry: false })?.isDirectory() ? join(state, 'transpiled') : false;
}

/**
 * An ES module's configuration is its default export; a CommonJS one's is `module.exports`,
 * unless nothing was put there (a file with neither `export` nor `module.exports`).
 */
function defaultExport(module: unknown): unknown {
  if (!module || typeof module !== 'object') return undefined;
  const record = module as Record<string, unknown>;
  const isEsModule = (module as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module' || record.__esModule === true;
  if (isEsModule) return record.default;
  return Object.keys(record).length > 0 ? record : undefined;
}

/**
 * The configuration a module's default export stands for, as plain data (`copyConfigValue`): a
 * function is called with `{ root }`, a promise awaited, and the value read, all under
 * `runConfigCode` (within `ORCH_CONFIG_TIMEOUT`, default 10 s): one that never settles, or a
 * getter or Proxy trap that loops, is an error at its place, not a hang.
 */
export async function settleConfigExport(file: string, exported: unknown, root: string, renderStuck?: StuckRenderer): Promise<unknown> {
  const copied = await runConfigCode(file, () => (typeof exported === 'function' ? (exported as (env: { root: string }) => unknown)({ root }) : exported), renderStuck, copyConfigValue);
  return copiedConfig(file, copied as CopiedConfig);
}
