import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configDiagnostics } from '../config/configDiagnostic.js';
import { didYouMean } from '../diagnostics/closestMatches.js';
import { OrchError, type OrchErrorCode } from '../OrchError.js';
import type { Plugin, PluginSpec } from './Plugin.js';

export interface ResolvePluginsOptions {
  /** The built-in preset, applied first (unless `preset` is false). */
  defaults: readonly Plugin[];
  preset: boolean;
  /** Plugins as written in the config. */
  specs: readonly PluginSpec[];
  disable: readonly string[];
  /** Package names are resolved from here (the config's directory). */
  fromDir: string;
  /** Where the specs are written, for error messages. */
  configFile?: string;
}

/**
 * The plugin list the engine applies: the preset, then the config's plugins in order. A config
 * plugin named like an earlier one replaces it in place (that is how a built-in is swapped);
 * `disable` removes plugins by name.
 */
export async function resolvePlugins(options: ResolvePluginsOptions): Promise<Plugin[]> {
  const plugins: Plugin[] = options.preset ? [...options.defaults] : [];
  for (const [index, spec] of options.specs.entries()) {
    const plugin = await loadPlugin(spec, index, options);
    if (!plugin) continue;
    const existing = plugins.findIndex((p) => p.name === plugin.name);
    if (existing >= 0) plugins[existing] = plugin;
    else plugins.push(plugin);
  }
  const names = plugins.map((p) => p.name);
  for (const [index, name] of options.disable.entries()) {
    if (!names.includes(name)) {
      const hint = didYouMean(name, new Set([...names, ...options.defaults.map((p) => p.name)])) ?? `plugins: ${names.join(', ')}`;
      throw configError('config-invalid', `disablePlugins names '${name}', which is not a plugin`, { hint }, options, ['disablePlugins', index]);
    }
  }
  return plugins.filter((p) => !options.disable.includes(p.name));
}

async function loadPlugin(spec: PluginSpec, index: number, options: ResolvePluginsOptions): Promise<Plugin | undefined> {
  if (spec === false || spec === null || spec === undefined) return undefined;
  const where = `${options.configFile ?? 'config'} plugins[${index}]`;
  if (typeof spec === 'object' && !Array.isArray(spec)) return checkPlugin(spec, where, options, index);
  const [packageName, pluginOptions] = typeof spec === 'string' ? [spec, undefined] : (spec as readonly [string, Record<string, unknown>?]);
  const exported = await importPackage(packageName, options.fromDir, where).catch((error: OrchError) => {
    throw configError(error.code, error.message, { hint: error.hint, cause: error.cause }, options, ['plugins', index]);
  });
  const candidate = (exported as { default?: unknown }).default ?? (exported as { plugin?: unknown }).plugin ?? exported;
  if (typeof candidate === 'function') {
    let made: unknown;
    try {
      made = await (candidate as (options?: unknown) => unknown)(pluginOptions);
    } catch (error) {
      const hint = `check the options given to '${packageName}' in the config against its documentation`;
      throw configError('plugin-invalid', `plugin '${packageName}' (${where}) rejected its options: ${error instanceof Error ? error.message : String(error)}`, { cause: error, hint }, options, ['plugins', index]);
    }
    return checkPlugin(made, `${where} ('${packageName}')`, options, index);
  }
  return checkPlugin(candidate, `${where} ('${packageName}')`, options, index);
}

/** An error about a setting of the config, with a diagnostic at that setting. */
function configError(code: OrchErrorCode, message: string, extra: { hint?: string | undefined; cause?: unknown }, options: ResolvePluginsOptions, path: (string | number)[]): OrchError {
  return new OrchError(code, message, { ...(extra.hint ? { hint: extra.hint } : {}), ...(extra.cause === undefined ? {} : { cause: extra.cause }), diagnostics: configDiagnostics(options.configFile, path, message, extra.hint) });
}

function checkPlugin(value: unknown, where: string, options: ResolvePluginsOptions, index: number): Plugin {
  const plugin = value as Partial<Plugin> | null;
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || typeof plugin.apply !== 'function') {
    const hint = 'a plugin is an object `{ name, apply(engine) }` (see definePlugin / defineGate), or a package whose default export is one or a factory returning one';
    throw configError('plugin-invalid', `${where} is not a plugin`, { hint }, options, ['plugins', index]);
  }
  return plugin as Plugin;
}

async function importPackage(name: string, fromDir: string, where: string): Promise<unknown> {
  const { resolve } = await import('import-meta-resolve');
  let url: string;
  try {
    url = resolve(name, pathToFileURL(join(fromDir, 'orchestrator.config.js')).href);
  } catch (error) {
    throw new OrchError('plugin-not-found', `plugin package '${name}' (${where}) is not installed where the config can see it (${fromDir})`, {
      cause: error,
      hint: `install it: \`pnpm add -D ${name}\` (or npm i -D ${name}), or fix the name`,
    });
  }
  try {
    return await import(url);
  } catch (error) {
    throw new OrchError('plugin-invalid', `plugin package '${name}' (${where}) failed to load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
