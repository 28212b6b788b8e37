import { configLocator, normaliseRetry, definePlugin, parseDuration, type CommandDefinition, type PathLocator, type ResolvedConfig, type SourceLocation, type Step, type StepConfig } from '@orch/engine';

const PLUGIN_NAME = 'orch:config-commands';

/**
 * Command source for `commands` and `workflows` declared in `orchestrator.config.ts`. A
 * workflow's command steps (`'lint'`, `{ command: 'pkg#build' }`) are its dependencies; its
 * `run` steps are its own work, in order.
 */
export function configCommandsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discover.tap(PLUGIN_NAME, ({ config, registry }) => {
        if (!config.configFile) return;
        const locate = configLocator(config.configFile);
        for (const command of configCommands(config, locate)) registry.addCommand(command);
      });
    },
  });
}

function configCommands(config: ResolvedConfig, locate: PathLocator): CommandDefinition[] {
  const at = (path: (string | number)[]): SourceLocation => locate(path).location;
  const toStep = (section: string, id: string, key: string) => (item: string | StepConfig, index: number, isWorkflow: boolean): Step => {
    const location = at([section, id, key, index]);
    if (typeof item === 'string') return isWorkflow ? { command: item, location } : { run: item, location };
    return { ...item, location };
  };
  const commands: CommandDefinition[] = [];

  for (const [id, command] of Object.entries(config.commands)) {
    const steps =
      command.run === undefined ? [] : typeof command.run === 'string' ? [{ run: command.run, location: at(['commands', id, 'run']) }] : command.run.map((item, index) => toStep('commands', id, 'run')(item, index, false));
    const timeout = command.timeout === undefined ? undefined : parseDuration(command.timeout);
    commands.push({
      id,
      kind: 'config',
      source: PLUGIN_NAME,
      location: at(['commands', id]),
      dependencies: (command.dependencies ?? []).map((spec, index) => ({ spec, location: at(['commands', id, 'dependencies', index]) })),
      metadata: {
        agents: [],
        extra: {},
        ...(command.description === undefined ? {} : { description: command.description }),
        ...(command.complexity === undefined ? {} : { complexity: command.complexity }),
        ...(command.inputs === undefined ? {} : { inputs: command.inputs }),
        ...(command.outputs === undefined ? {} : { outputs: command.outputs }),
        ...(command.env === undefined ? {} : { env: command.env }),
        ...(command.passThroughEnv === undefined ? {} : { passThroughEnv: command.passThroughEnv }),
        ...(command.envMode === undefined ? {} : { envMode: command.envMode }),
        ...(timeout === undefined ? {} : { timeout }),
        ...(command.weight === undefined ? {} : { weight: command.weight }),
        ...(command.resources === undefined ? {} : { resources: command.resources }),
        ...(command.module === undefined ? {} : { module: { path: command.module, export: command.export ?? 'default' } }),
        ...(command.recovery === undefined ? {} : { recovery: command.recovery }),
        ...(command.retry === undefined ? {} : { retry: normaliseRetry(command.retry).policy! }),
        ...(command.fixup === undefined ? {} : { fixup: command.fixup }),
        ...(command.cache === undefined ? {} : { cache: command.cache }),
        ...(command.outputLogs === undefined ? {} : { outputLogs: command.outputLogs }),
        ...(command.persistent === undefined ? {} : { persistent: command.persistent }),
      },
      steps,
    });
  }

  for (const [id, workflow] of Object.entries(config.workflows)) {
    const steps = workflow.steps.map((item, index) => toStep('workflows', id, 'steps')(item, index, true));
    const dependencies = [
      ...(workflow.dependencies ?? []).map((spec, index) => ({ spec, location: at(['workflows', id, 'dependencies', index]) })),
      ...steps.filter((step) => step.command !== undefined).map((step) => ({ spec: step.command!, ...(step.location ? { location: step.location } : {}) })),
    ];
    commands.push({
      id,
      kind: 'workflow',
      source: PLUGIN_NAME,
      location: at(['workflows', id]),
      dependencies,
      metadata: { agents: [], extra: {}, ...(workflow.description === undefined ? {} : { description: workflow.description }) },
      steps,
    });
  }
  return commands;
}
