import type { Plugin } from '@orch/engine';
import { agentsPlugin } from './agents/AgentsPlugin.js';
import { configCommandsPlugin } from './config/ConfigCommandsPlugin.js';
import { nodeExecutorPlugin } from './executors/NodeExecutorPlugin.js';
import { shellExecutorPlugin, type ShellExecutorOptions } from './executors/ShellExecutorPlugin.js';
import { markdownCommandsPlugin } from './markdown/MarkdownCommandsPlugin.js';
import { jsonReporterPlugin } from './reporters/JsonReporterPlugin.js';
import { plainReporterPlugin } from './reporters/PlainReporterPlugin.js';
import { ttyReporterPlugin } from './reporters/TtyReporterPlugin.js';
import { resolverPlugin } from './resolve/ResolverPlugin.js';
import { dependenciesPlugin } from './stages/DependenciesPlugin.js';
import { deployPlugin } from './stages/DeployPlugin.js';
import { persistPlugin } from './stages/PersistPlugin.js';
import { triagePlugin } from './stages/TriagePlugin.js';
import { workspacePlugin } from './workspace/WorkspacePlugin.js';

export interface DefaultPluginOptions {
  shell?: ShellExecutorOptions;
}

/**
 * The built-in preset. These plugins have no privileges: the config can replace any of them
 * (a plugin of the same name) or leave it out (`disablePlugins`).
 */
export function defaultPlugins(options: DefaultPluginOptions = {}): Plugin[] {
  return [
    // command sources and stages 1-2
    resolverPlugin(),
    markdownCommandsPlugin(),
    agentsPlugin(),
    workspacePlugin(),
    configCommandsPlugin(),
    // stages 3-10
    triagePlugin(),
    dependenciesPlugin(),
    deployPlugin(),
    shellExecutorPlugin(options.shell),
    nodeExecutorPlugin(),
    persistPlugin(),
    // reporters (each active only when chosen)
    ttyReporterPlugin(),
    plainReporterPlugin(),
    jsonReporterPlugin(),
  ];
}
