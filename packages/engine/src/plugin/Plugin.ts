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
  /**
   * Set on a plugin that taps only run-time hooks (stages 3-10, recovery, sessions, `event`):
   * imports its code and returns it. An engine that runs no task (`runTimePlugins: 'defer'`:
   * `orch list`, `show`, `validate`, `graph`, `affected --list`) never calls it, so those
   * commands do not load executors, caches or reporters (issue 13). Give it with `lazyPlugin`.
   */
  load?(): Promise<Plugin>;
}

/** A plugin as written in `orchestrator.config.ts`. */
export type PluginSpec = Plugin | string | readonly [string, Record<string, unknown>?] | false | null | undefined;

/** What a plugin package exports: a plugin, or a factory that takes options. */
export type PluginFactory<Options = Record<string, unknown>> = (options?: Options) => Plugin;
