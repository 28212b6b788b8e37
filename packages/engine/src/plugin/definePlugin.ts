import type { Plugin } from './Plugin.js';

/** Typed identity helper for writing a plugin. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  return plugin;
}
