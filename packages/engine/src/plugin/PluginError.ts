import { isOrchError, OrchError } from '../OrchError.js';

/** Wraps anything a plugin throws with the plugin's name and the hook it was tapped on. */
export function pluginError(plugin: string, hook: string, cause: unknown): OrchError {
  // Already named, or deliberate (a task failure, state that cannot be written): for the user as it is.
  if (isOrchError(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new OrchError('plugin-failed', `plugin '${plugin}' failed in hook '${hook}': ${reason}`, {
    cause,
    hint: `this is a problem in the plugin '${plugin}'; take it out of the config's plugins (or add it to disablePlugins) to go on without it`,
  });
}
