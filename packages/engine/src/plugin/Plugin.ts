import type { Engine } from '../Engine.js';

/**
 * A plugin: a name and an `apply` that taps the engine's hooks. Built-ins are plugins of
 * exactly this shape; they have no other way in.
 */
export interface Plugin {
  /** Unique; used for every tap, in error messages, and to replace or disable a built-in. */
  name: string;
  /** Version of the plugin, recorded in task hashes of the tasks it takes part in. */
  version?: string;
  apply(engine: Engine): void | Promise<void>;
}

/** A plugin as written in `orchestrator.config.ts`. */
export type PluginSpec = Plugin | string | readonly [string, Record<string, unknown>?] | false | null | undefined;

/** What a plugin package exports: a plugin, or a factory that takes options. */
export type PluginFactory<Options = Record<string, unknown>> = (options?: Options) => Plugin;
