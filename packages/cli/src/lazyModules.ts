/**
 * orch's own modules that commands load when first used, each imported once per process and its
 * promise shared after: in a daemon every `import()`, even of a module loaded long ago, is a
 * round trip to the thread of its module hooks (daemon/freshImports.ts), which waits its turn for
 * a core (issue 13). Kept free of other imports: the client's lean entry may load it.
 */
export function importOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export const pluginsModule = importOnce(() => import('@orch/plugins'));
export const inspectModule = importOnce(() => import('@orch/plugins/inspect'));
export const presetModule = importOnce(() => import('@orch/plugins/preset'));
export const reportErrorModule = importOnce(() => import('./render/reportError.js'));
