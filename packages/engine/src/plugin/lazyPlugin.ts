import type { Plugin } from './Plugin.js';

/**
 * A plugin whose code is imported when an engine that runs tasks applies it (`Plugin.load`),
 * not when orch starts: `name` must be the loaded plugin's (the engine checks), so the config
 * can replace or disable it by name without loading it. For plugins that tap only run-time
 * hooks; one that adds diagnostics at discovery or validates options in `apply` must be eager.
 *
 * @example lazyPlugin('orch:shell', async () => (await import('./ShellExecutorPlugin.js')).shellExecutorPlugin())
 */
export function lazyPlugin(name: string, load: () => Promise<Plugin>): Plugin & { load(): Promise<Plugin> } {
  let loaded: Promise<Plugin> | undefined;
  const plugin = {
    name,
    load: () => (loaded ??= load()),
    async apply(engine: Parameters<Plugin['apply']>[0]) {
      await (await plugin.load()).apply(engine);
    },
  };
  return plugin;
}
