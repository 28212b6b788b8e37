import { claudeNameClashes, definePlugin, resolveCommand, shadowedCommands, shadowWarning, type ClaudeNameClash, type CommandRegistry } from '@orch/engine';

const PLUGIN_NAME = 'orch:resolver';

/**
 * Stage 1: resolution of a typed name, folder first or file first (config `resolution`; see
 * `resolveCommand`). After discovery, a file hidden by a folder's default entry is a warning at
 * that file, so `orch validate` says what `orch run` will do and how to reach the file; so are
 * two files Claude Code names alike (`x:y.md` and `x/y.md`, both `/x:y`).
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
        for (const clash of claudeNameClashes(registry.commands)) reportClash(registry, clash);
      });
    },
  });
}

/** A warning at each file of a clash but the one that wins, naming the other and how to reach each. */
function reportClash(registry: CommandRegistry, clash: ClaudeNameClash): void {
  const { name, ids, winner } = clash;
  const fileOf = (id: string) => registry.commands.get(id)!.location;
  for (const id of ids.filter((other) => other !== winner)) {
    const others = ids.filter((other) => other !== id);
    const runs = winner ? `orch runs '${winner}' for ${name} and /${name}; this one is run as '${id}'` : `neither answers to /${name} in orch; each is run by its id (${ids.map((other) => `'${other}'`).join(', ')})`;
    registry.report({
      severity: 'warning',
      code: 'command/same-claude-name',
      message: `'${id}' and ${others.map((other) => `'${other}'`).join(', ')} are both /${name} in Claude Code: ${runs}`,
      location: fileOf(id),
      hint: 'rename one of them, so each has a name of its own in Claude Code too',
      related: others.map((other) => ({ message: `'${other}' is also /${name}`, location: fileOf(other) })),
    });
  }
}
