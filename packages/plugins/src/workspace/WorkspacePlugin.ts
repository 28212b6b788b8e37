import { normaliseRetry, configLocator, definePlugin, ownValue, parseDuration, type CommandDefinition, type Project, type ResolvedConfig, type SourceLocation, type Step, type TargetConfig } from '@orch/engine';
import { targetSettings } from './targetSettings.js';
import { targetKeyWarnings } from './targetKeyWarnings.js';
import { workspaceProjectsFor } from './workspaceProjectsFor.js';

const PLUGIN_NAME = 'orch:workspace';

/**
 * Command source for workspace packages: every package script is a target `pkg#script`, with
 * defaults per script name from the config's `targets` (`dependsOn`, `inputs`, `outputs`,
 * `env`, `cache`). A `pkg#script` key configures that package's script alone, its settings over
 * the generic entry's (`targetSettings`). `prebuild`/`postbuild` run as steps of `build`, as npm runs them.
 * `targets` keys that apply to no task are warnings (`targetKeyWarnings`).
 */
export function workspacePlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discover.tapPromise(PLUGIN_NAME, async (context) => {
        const { config, registry } = context;
        const { projects, diagnostics } = await workspaceProjectsFor(context);
        registry.diagnostics.push(...diagnostics);
        const locate = config.configFile ? configLocator(config.configFile) : undefined;
        if (locate) registry.diagnostics.push(...targetKeyWarnings(config, projects, locate));
        // Every package's `build` depends on what `targets.build.dependsOn` says, written in one place.
        const locations = new Map<string, SourceLocation>();
        const located = locate && ((path: (string | number)[]) => {
          const key = path.join('\0');
          if (!locations.has(key)) locations.set(key, locate(path).location);
          return locations.get(key)!;
        });
        for (const project of projects) {
          registry.addProject(project);
          for (const command of scriptCommands(project, config, located)) registry.addCommand(command);
        }
      });
    },
  });
}

function scriptCommands(project: Project, config: ResolvedConfig, locate: ((path: (string | number)[]) => SourceLocation) | undefined): CommandDefinition[] {
  const { scripts } = project;
  const commands: CommandDefinition[] = [];
  for (const [script, text] of Object.entries(scripts)) {
    const lifecycle = /^(pre|post)(.+)$/.exec(script);
    // Script names are the package's own text: `pretoString` is a script, not `toString`'s pre step.
    if (lifecycle && ownValue(scripts, lifecycle[2]!) !== undefined) continue;
    const steps: Step[] = [];
    const [pre, post] = [ownValue(scripts, `pre${script}`), ownValue(scripts, `post${script}`)];
    if (pre !== undefined) steps.push({ name: `pre${script}`, run: pre });
    steps.push({ name: script, run: text });
    if (post !== undefined) steps.push({ name: `post${script}`, run: post });

    const [target, from] = targetSettings(config, project.name, script);
    const timeout = target?.timeout === undefined ? undefined : parseDuration(target.timeout);
    const at = (path: (string | number)[]) => (locate ? locate(['targets', from(path[0] as keyof TargetConfig), ...path]) : { file: project.packageJson });
    commands.push({
      id: `${project.name}#${script}`,
      kind: 'script',
      source: PLUGIN_NAME,
      location: { file: project.packageJson },
      project: project.name,
      target: script,
      dependencies: (target?.dependsOn ?? []).map((spec, index) => ({ spec, location: at(['dependsOn', index]) })),
      metadata: {
        agents: [],
        extra: {},
        ...(target?.description === undefined ? {} : { description: target.description }),
        ...(target?.inputs === undefined ? {} : { inputs: target.inputs }),
        ...(target?.outputs === undefined ? {} : { outputs: target.outputs }),
        ...(target?.env === undefined ? {} : { env: target.env }),
        ...(target?.passThroughEnv === undefined ? {} : { passThroughEnv: target.passThroughEnv }),
        ...(target?.envMode === undefined ? {} : { envMode: target.envMode }),
        ...(project.framework === undefined ? {} : { framework: project.framework }),
        ...(target?.cache === undefined ? {} : { cache: target.cache }),
        ...(target?.outputLogs === undefined ? {} : { outputLogs: target.outputLogs }),
        ...(target?.persistent === undefined ? {} : { persistent: target.persistent }),
        ...(target?.weight === undefined ? {} : { weight: target.weight }),
        ...(target?.resources === undefined ? {} : { resources: target.resources }),
        ...(timeout === undefined ? {} : { timeout }),
        ...(target?.gates === undefined ? {} : { gates: target.gates }),
        ...(target?.recovery === undefined ? {} : { recovery: target.recovery }),
        ...(target?.retry === undefined ? {} : { retry: normaliseRetry(target.retry).policy! }),
      },
      steps,
    });
  }
  return commands;
}
