import type { Plugin } from '@orch/engine';
import { agentsPlugin } from './agents/AgentsPlugin.js';
import { configCommandsPlugin } from './config/ConfigCommandsPlugin.js';
import { markdownCommandsPlugin } from './markdown/MarkdownCommandsPlugin.js';
import { resolverPlugin } from './resolve/ResolverPlugin.js';
import { workspacePlugin } from './workspace/WorkspacePlugin.js';

/**
 * The built-in preset. These plugins have no privileges: the config can replace any of them
 * (a plugin of the same name) or leave it out (`disablePlugins`).
 */
export function defaultPlugins(): Plugin[] {
  return [resolverPlugin(), markdownCommandsPlugin(), agentsPlugin(), workspacePlugin(), configCommandsPlugin()];
}
