import { realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { once } from 'node:events';
import { dirname, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

/**
 * Node's module hook (run on its loader thread, `module.register`). The URL of every ES module
 * that is not installed code (in node_modules) or orch's own program gets the current
 * invocation's number as a query, so Node, which keeps every module it imported for the life of
 * the process, imports it anew for each invocation: a config, what it imports from the
 * workspace or from anywhere else on disk, a local plugin. The installed and orch's own modules
 * it resolves are listed for `CodeStamps`.
 */
const HOOKS = `
let generation = 0, kept = [], listed = new Set(), unlisted = [];
export async function initialize(data) {
  kept = data.kept;
  data.port.on('message', (message) => {
    if (message === 'loaded') { data.port.postMessage(unlisted); unlisted = []; return; }
    generation = message; data.port.postMessage(generation);
  });
  data.port.unref();
}
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (generation === 0 || !resolved.url.startsWith('file:')) return resolved;
  const url = resolved.url.replace(/[?#].*$/, '');
  if (url.includes('/node_modules/') || kept.some((prefix) => url.startsWith(prefix))) {
    if (!listed.has(url)) { listed.add(url); unlisted.push(url); }
    return resolved;
  }
  return { ...resolved, url: url + '?orch-invocation=' + generation };
}
`;

/**
 * Makes the code a config loads load anew at each invocation the daemon serves, as in a fresh
 * `orch`: ES modules through the hook above (`next()` before each invocation), CommonJS modules
 * (a `.cjs` config's `require`s, JSON a TypeScript config imports, `createRequire`) by taking
 * them out of Node's `require` cache. Installed code (node_modules) and orch's own program
 * (`program`'s folder) are kept; `loaded()` names the files of theirs loaded so far, for
 * `CodeStamps`, which stops the daemon when one changes.
 */
export function freshImports(program: string): { next(): Promise<void>; loaded(): Promise<string[]> } {
  const { port1, port2 } = new MessageChannel();
  const programDir = program.slice(0, program.lastIndexOf(sep) + 1);
  const ownDirs = [programDir, ...ownPackageDirs(program)];
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { port: port2, kept: ownDirs.map((dir) => pathToFileURL(dir).href) }, transferList: [port2] });
  port1.unref();
  const requireCache = createRequire(import.meta.url).cache;
  const installed = (file: string): boolean => file.includes(`${sep}node_modules${sep}`) || ownDirs.some((dir) => file.startsWith(dir));
  const ask = async <T>(message: unknown): Promise<T> => {
    const answer = once(port1, 'message');
    port1.postMessage(message);
    return (await answer)[0] as T;
  };
  let generation = 0;
  return {
    async next() {
      for (const file of Object.keys(requireCache)) if (!installed(file)) delete requireCache[file];
      await ask(++generation);
    },
    async loaded() {
      const esm = (await ask<string[]>('loaded')).map((url) => fileURLToPath(url));
      return [...esm, ...Object.keys(requireCache).filter(installed)];
    },
  };
}

/**
 * orch's own packages as a checkout of orch links them (`@orch/engine`, `@orch/plugins`:
 * workspace links, so their real folders are outside node_modules), for a plugin or config that
 * imports them by name (the example's gate plugin imports `@orch/engine`): orch's code, kept and
 * stamped like the program, not ~40 modules compiled anew at each invocation. Installed, they
 * are in node_modules or in the bundle already: none.
 */
function ownPackageDirs(program: string): string[] {
  const require = createRequire(program);
  const dirs: string[] = [];
  for (const name of ['@orch/engine', '@orch/plugins']) {
    try {
      const dir = dirname(realpathSync(require.resolve(`${name}/package.json`))) + sep;
      if (!dir.includes(`${sep}node_modules${sep}`)) dirs.push(dir);
    } catch {
      // Not there (the published bundle holds them).
    }
  }
  return dirs;
}
