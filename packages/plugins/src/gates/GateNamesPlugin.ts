import { configLocator, definePlugin, didYouMean, type CommandRegistry, type Diagnostic, type Engine, type SourceLocation } from '@orch/engine';

const PLUGIN_NAME = 'orch:gate-names';

/**
 * Checks every gate a setting names (config `gates`, a target's `gates`, front matter `gates`)
 * against the gates the applied plugins provide, so `gates: { 'orch:saftey': false }` is a
 * located error with "did you mean", not a setting that silently does nothing (issue 12). A
 * gate of a plugin left out with `disablePlugins` may still be named.
 */
export function gateNamesPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discovered.tap(PLUGIN_NAME, (registry) => {
        const known = new Set([engine.hooks.preGates, engine.hooks.postValidate, engine.hooks.qaGates].flatMap((hook) => hook.taps.map((tap) => tap.name)));
        const accepted = new Set([...known, ...engine.config.disablePlugins]);
        const unknown = (name: string, location: SourceLocation, owner: Diagnostic['owner']): void => {
          if (accepted.has(name)) return;
          registry.report({
            severity: 'error',
            code: 'gates/unknown',
            message: `no gate is named '${name}'`,
            location,
            hint: didYouMean(name, known) ?? `the gates are: ${[...known].sort().join(', ')}`,
            ...(owner ? { owner } : {}),
          });
        };
        checkConfig(engine, unknown);
        checkFrontMatter(registry, unknown);
      });
    },
  });
}

type Report = (name: string, location: SourceLocation, owner: Diagnostic['owner']) => void;

function checkConfig(engine: Engine, unknown: Report): void {
  const { config } = engine;
  if (!config.configFile) return;
  const locate = configLocator(config.configFile);
  for (const name of Object.keys(config.gates)) unknown(name, locate(['gates', name], { key: true }).location, { kind: 'config' });
  for (const [target, settings] of Object.entries(config.targets)) {
    for (const name of Object.keys(settings.gates ?? {})) unknown(name, locate(['targets', target, 'gates', name], { key: true }).location, { kind: 'config' });
  }
}

function checkFrontMatter(registry: CommandRegistry, unknown: Report): void {
  for (const command of registry.commands.values()) {
    const { frontMatter, metadata } = command;
    if (!frontMatter || !metadata.gates) continue;
    const owner = { kind: 'command', id: command.id } as const;
    const written = frontMatter.data.gates;
    if (Array.isArray(written)) written.forEach((name, index) => unknown(String(name), frontMatter.locate(['gates', index]), owner));
    else for (const name of Object.keys(metadata.gates)) unknown(name, frontMatter.locate(['gates', name], { key: true }), owner);
  }
}
