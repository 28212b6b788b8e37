import { buildTaskGraph, Engine, hasErrors, type EngineOutput, loadConfig, resolvePlugins, type BuildTaskGraphResult, type CommandRegistry, type Diagnostic, type OrchError, type ResolvedConfig } from '@orch/engine';
import { outsideWorkspaceError } from './outsideWorkspace.js';
import { reportError } from './render/reportError.js';
import { presetModule } from './lazyModules.js';

export interface OpenWorkspace {
  engine: Engine;
  config: ResolvedConfig;
  registry: CommandRegistry;
  /** Config, discovery and metadata diagnostics (not yet the graph's). */
  diagnostics: Diagnostic[];
  graph(): BuildTaskGraphResult;
}

export interface OpenWorkspaceOptions {
  /** No config: the defaults rooted here (`orch validate` of a config that cannot load). */
  defaultsAt?: string;
  /**
   * The command runs no task (list, show, validate, graph, affected --list): run-time plugins
   * are not loaded (`runTimePlugins: 'defer'`), so it starts without executors, caches or
   * reporters (issue 13).
   */
  inspectOnly?: boolean;
  /**
   * Called with the config before discovery starts, for work that needs only the config and
   * can run beside discovery (`orch affected` asks git for the change meanwhile).
   */
  whileDiscovering?: (config: ResolvedConfig) => void;
}

let opened: { root: string; stateDir: string; cacheDir: string } | undefined;

/** The workspace this process opened last (its root, state folder and cache folder, as configured), for starting a daemon there. */
export function lastOpenedWorkspace(): { root: string; stateDir: string; cacheDir: string } | undefined {
  return opened;
}

/**
 * Loads the config, applies the plugins (the built-in preset, then the config's), and runs
 * discovery: what every read-side command starts with. Throws `OrchError('config-not-found')`
 * outside any repository or workspace (`outsideWorkspaceError`).
 */
export async function openWorkspace(cwd: string, output?: EngineOutput, options: OpenWorkspaceOptions = {}): Promise<OpenWorkspace> {
  const { inspectOnly, whileDiscovering, ...configOptions } = options;
  const { config, diagnostics } = await loadConfig({ cwd, renderStuck: (error) => reportText(error, cwd), ...(process.env.ORCH_CONFIG ? { configFile: process.env.ORCH_CONFIG } : {}), ...configOptions });
  const outside = configOptions.defaultsAt === undefined ? outsideWorkspaceError(config) : undefined;
  if (outside) throw outside;
  opened = { root: config.root, stateDir: config.stateDir, cacheDir: config.cache.dir };
  whileDiscovering?.(config);
  const { defaultPlugins } = await presetModule();
  const plugins = hasErrors(diagnostics)
    ? defaultPlugins()
    : await resolvePlugins({
        defaults: defaultPlugins(),
        preset: config.preset,
        specs: config.plugins,
        disable: config.disablePlugins,
        fromDir: config.root,
        ...(config.configFile ? { configFile: config.configFile } : {}),
      });
  const engine = new Engine({ config, ...(output ? { output } : {}), runTimePlugins: inspectOnly ? 'defer' : 'load' });
  await engine.use(plugins);
  const registry = await engine.discover();
  let graph: BuildTaskGraphResult | undefined;
  return {
    engine,
    config,
    registry,
    diagnostics: [...diagnostics, ...registry.diagnostics],
    graph: () => (graph ??= buildTaskGraph(registry, { defaultEntry: config.defaultEntry, resolution: config.resolution })),
  };
}

/** What `reportError` prints for an error, as text (for a config caught in a loop, which orch writes itself as it ends). */
function reportText(error: OrchError, cwd: string): string {
  let text = '';
  reportError(error, { cwd, color: false, stdout: () => {}, stderr: (chunk) => (text += chunk) });
  return text;
}
