import { definePlugin, resolveCommand } from '@orch/engine';

const PLUGIN_NAME = 'orch:resolver';

/** Stage 1: folder-first resolution of a typed name (see `resolveCommand`). */
export function resolverPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.resolve.tap(PLUGIN_NAME, ({ name, registry }) => resolveCommand(registry, name, { defaultEntry: engine.config.defaultEntry }));
    },
  });
}
