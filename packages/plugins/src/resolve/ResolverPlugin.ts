import { definePlugin, resolveCommand, shadowedCommands, shadowWarning } from '@orch/engine';

const PLUGIN_NAME = 'orch:resolver';

/**
 * Stage 1: resolution of a typed name, folder first or file first (config `resolution`; see
 * `resolveCommand`). After discovery, a file hidden by a folder's default entry is a warning at
 * that file, so `orch validate` says what `orch run` will do and how to reach the file.
 */
export function resolverPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const options = () => ({ defaultEntry: engine.config.defaultEntry, resolution: engine.config.resolution });
      engine.hooks.resolve.tap(PLUGIN_NAME, ({ name, registry }) => resolveCommand(registry, name, options()));
      engine.hooks.discovered.tap(PLUGIN_NAME, (registry) => {
        for (const [id, entry] of shadowedCommands(registry.commands, options())) {
          registry.report({ severity: 'warning', code: 'command/shadowed', message: shadowWarning(id, entry), location: registry.commands.get(id)!.location });
        }
      });
    },
  });
}
