import { register } from 'node:module';
import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

/**
 * Node's module hook (run on its loader thread, `module.register`): the URL of an ES module of
 * the workspace (under its root, not in node_modules, not orch's own program) gets the current
 * invocation's number as a query, so Node, which keeps every module it imported for the life of
 * the process, imports it anew for each invocation.
 */
const HOOKS = `
let generation = 0, root = '', skip = [];
export async function initialize(data) {
  root = data.root; skip = data.skip;
  data.port.on('message', (message) => { generation = message.generation; data.port.postMessage(message.generation); });
  data.port.unref();
}
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (generation === 0 || !resolved.url.startsWith(root)) return resolved;
  const url = resolved.url.replace(/[?#].*$/, '');
  if (url.includes('/node_modules/') || skip.some((prefix) => url.startsWith(prefix))) return resolved;
  return { ...resolved, url: url + '?orch-invocation=' + generation };
}
`;

/**
 * Makes the ES modules of the workspace at `root` (an `.mjs` config and the files it imports,
 * local plugins) load anew at each invocation the daemon serves, as in a fresh `orch`: call
 * `next()` before each. Modules under `program` (orch itself) and in node_modules are kept: the
 * daemon stops when those change (`CodeStamps`). Each invocation's modules stay in memory; the
 * daemon stops after `MAX_INVOCATIONS` to bound them.
 */
export function freshImports(root: string, program: string): { next(): Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const folder = (path: string): string => `${pathToFileURL(path).href.replace(/\/$/, '')}/`;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { port: port2, root: folder(root), skip: [folder(program.replace(/\/[^/]*$/, ''))] }, transferList: [port2] });
  port1.unref();
  let generation = 0;
  return {
    async next() {
      generation++;
      const acknowledged = once(port1, 'message');
      port1.postMessage({ generation });
      await acknowledged;
    },
  };
}
