import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { configLocator, describeJsonKind, isOrchError, loadJsonConfig, nameTable, type Diagnostic } from '@orch/engine';

/** A Claude Code plugin the project enables, found in the repository. */
export interface ClaudePlugin {
  /** The plugin's name: its commands are `<name>:<command>`. */
  name: string;
  /** Absolute path of its root (`${CLAUDE_PLUGIN_ROOT}`). */
  root: string;
  /** Folders (or single `.md` files) of commands: `commands/` and plugin.json `commands`. */
  commands: string[];
  /** Folders of skills: `skills/` and plugin.json `skills`. */
  skills: string[];
}

type Json = Record<string, any>;

/**
 * The Claude Code plugins a repository declares and holds (code.claude.com/docs/en/plugins,
 * plugins-reference, marketplace-reference): each `"<plugin>@<marketplace>": true` of
 * `enabledPlugins` in `.claude/settings.json` and `.claude/settings.local.json` (the local file
 * wins), whose marketplace is declared in `extraKnownMarketplaces` with a `directory` source, or
 * is the repository itself (`.claude-plugin/marketplace.json` at the root), and whose plugin
 * source is a relative path inside the repository. Anything else (GitHub, git, URL or npm
 * sources, plugins installed under `~/.claude/plugins`) is named in a warning and skipped.
 */
export async function findClaudePlugins(root: string): Promise<{ plugins: ClaudePlugin[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  /** A `plugins/skipped` warning at the JSON key path that says it (findings R2 #17: line:col). */
  const warn = (file: string, path: (string | number)[], message: string, hint?: string): void => {
    // A plugin's key in enabledPlugins is where its name is written: the key, not its `true`.
    const { location, sourceLine } = configLocator(file)(path, { key: path[0] === 'enabledPlugins' && path.length === 2 });
    diagnostics.push({ severity: 'warning', code: 'plugins/skipped', message, location, ...(sourceLine === undefined ? {} : { sourceLine }), ...(hint ? { hint } : {}) });
  };
  const settingsFiles = ['.claude/settings.json', '.claude/settings.local.json'].map((file) => join(root, file));
  const settings = (await Promise.all(settingsFiles.map((file) => readJson(file, diagnostics, 'orch reads no Claude Code plugin it enables')))).map((json) => json ?? {});
  // Which file says each key, for locations (the local file wins, as its entries come last).
  const enabledIn = new Map<string, string>();
  const marketplaceIn = new Map<string, string>();
  for (const [index, file] of settingsFiles.entries()) {
    const { enabledPlugins, extraKnownMarketplaces } = settings[index]!;
    for (const [key, value, seen] of [['enabledPlugins', enabledPlugins, enabledIn], ['extraKnownMarketplaces', extraKnownMarketplaces, marketplaceIn]] as const) {
      if (value === undefined) continue;
      if (isObject(value)) for (const name of Object.keys(value)) seen.set(name, file);
      else warn(file, [key], `${key} is ${describeJsonKind(value)}, not an object; orch reads no plugin from it`, `write ${key === 'enabledPlugins' ? '{ "<plugin>@<marketplace>": true }' : '{ "<marketplace>": { "source": { "source": "directory", "path": "./market" } } }'}, as Claude Code reads it`);
    }
  }
  // Keys are the settings' own text: a plugin or marketplace named `constructor` is a name like any other.
  const enabled = nameTable<unknown>(settings.flatMap((s) => (isObject(s.enabledPlugins) ? Object.entries(s.enabledPlugins) : [])));
  const marketplaces = nameTable<unknown>(settings.flatMap((s) => (isObject(s.extraKnownMarketplaces) ? Object.entries(s.extraKnownMarketplaces) : [])));

  const plugins: ClaudePlugin[] = [];
  for (const [key, on] of Object.entries(enabled)) {
    if (on !== true) continue;
    const at = key.lastIndexOf('@');
    const [pluginName, marketplace] = at > 0 ? [key.slice(0, at), key.slice(at + 1)] : [key, ''];
    const marketRoot = await marketplaceRoot(root, marketplace, marketplaces[marketplace]);
    if (typeof marketRoot !== 'string') {
      const [file, path] = marketRoot.outside ? [marketplaceIn.get(marketplace)!, ['extraKnownMarketplaces', marketplace, 'source', 'path']] : [enabledIn.get(key)!, ['enabledPlugins', key]];
      warn(file, path, `Claude Code plugin '${key}' is skipped: ${marketRoot.why}`, 'orch reads plugins whose marketplace and source are folders of this repository');
      continue;
    }
    const manifestFile = join(marketRoot, '.claude-plugin', 'marketplace.json');
    const manifest = await readJson(manifestFile, diagnostics, 'the plugins it lists are not read');
    const index = Array.isArray(manifest?.plugins) ? (manifest!.plugins as Json[]).findIndex((p) => p?.name === pluginName) : -1;
    const entry = index >= 0 ? (manifest!.plugins as Json[])[index]! : undefined;
    if (!entry) {
      warn(manifestFile, ['plugins'], `Claude Code plugin '${key}' is skipped: the marketplace does not list '${pluginName}'`);
      continue;
    }
    if (typeof entry.source !== 'string') {
      warn(manifestFile, ['plugins', index, 'source'], `Claude Code plugin '${key}' is skipped: its source (${JSON.stringify(entry.source)}) is not a folder of this repository`);
      continue;
    }
    const pluginRoot = resolve(marketRoot, typeof manifest?.metadata?.pluginRoot === 'string' ? manifest.metadata.pluginRoot : '', entry.source);
    if (!inside(root, pluginRoot)) {
      warn(manifestFile, ['plugins', index, 'source'], `Claude Code plugin '${key}' is skipped: its folder ${pluginRoot} is outside the repository`);
      continue;
    }
    const pluginJson = join(pluginRoot, '.claude-plugin', 'plugin.json');
    const own = (await readJson(pluginJson, diagnostics, `its name and paths are not read: the plugin's commands/ and skills/ folders are, as '${pluginName}'`)) ?? {};
    const paths = (field: 'commands' | 'skills'): string[] => componentPaths(root, pluginRoot, own[field], (at, message) => warn(pluginJson, [field, ...at], `Claude Code plugin '${key}': ${field} path ${message}; it is skipped`, "Claude Code copies a plugin's folder alone when it installs it: keep the files inside the plugin's folder and write the path as ./<path>"));
    plugins.push({
      name: typeof own.name === 'string' ? own.name : pluginName,
      root: pluginRoot,
      commands: [join(pluginRoot, 'commands'), ...paths('commands')],
      skills: [join(pluginRoot, 'skills'), ...paths('skills')],
    });
  }
  return { plugins, diagnostics };
}

/**
 * The paths a plugin.json lists under `commands` or `skills` (one path or a list), resolved in
 * the plugin's folder. Claude Code installs a plugin by copying its folder alone, so a path that
 * leaves it (`../../x`, an absolute one) never works there (plugins-reference, "Plugin caching
 * and file resolution"); orch skips it with a warning at its place (`skip(path, why)`) rather
 * than read a file from outside the repository (findings R2 #8). A path inside the folder
 * whose links lead out of the repository is skipped too.
 */
function componentPaths(root: string, pluginRoot: string, value: unknown, skip: (at: readonly number[], why: string) => void): string[] {
  const listed = typeof value === 'string' ? [[value, []] as const] : Array.isArray(value) ? value.map((v, i) => [v, [i]] as const) : [];
  const kept: string[] = [];
  for (const [path, at] of listed) {
    if (typeof path !== 'string') continue;
    const full = resolve(pluginRoot, path);
    if (!inside(pluginRoot, full)) skip(at, `'${path}' leaves the plugin's folder`);
    else if (!inside(realpathOr(root), realpathOr(full))) skip(at, `'${path}' leads, through a symbolic link, out of the repository`);
    else kept.push(full);
  }
  return kept;
}

/** The real path (links resolved), or the path itself when it does not exist. */
function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The folder of a marketplace, or why it is not in the repository (`outside`: its declared folder leaves it). */
async function marketplaceRoot(root: string, name: string, declared: unknown): Promise<string | { why: string; outside?: true }> {
  const source = isObject(declared) ? declared.source : undefined;
  if (isObject(source)) {
    if (source.source !== 'directory' || typeof source.path !== 'string') return { why: `its marketplace '${name}' comes from ${describeSource(source)}, not from this repository` };
    const dir = resolve(root, source.path);
    return inside(root, dir) ? dir : { why: `its marketplace folder ${dir} is outside the repository`, outside: true };
  }
  const own = await readJson(join(root, '.claude-plugin', 'marketplace.json'), [], '');
  if (own?.name === name) return root;
  return { why: `its marketplace '${name}' is not declared in .claude/settings.json extraKnownMarketplaces (an installed plugin lives in ~/.claude/plugins, which orch does not read)` };
}

function describeSource(source: Json): string {
  const where = source.repo ?? source.url ?? source.package ?? source.path;
  return `a ${String(source.source)} source${where === undefined ? '' : ` (${String(where)})`}`;
}

/**
 * A JSON file of Claude Code's, or undefined when it is missing or not a JSON object. Invalid
 * JSON is a warning at its line and column, saying what is then not read (`consequence`).
 */
async function readJson(file: string, diagnostics: Diagnostic[], consequence: string): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = loadJsonConfig(file, text);
    return isObject(value) ? value : undefined;
  } catch (error) {
    const [found] = isOrchError(error) ? error.diagnostics : [];
    const what = found?.message ?? `not valid JSON: ${(error as Error).message}`;
    diagnostics.push({ severity: 'warning', code: 'plugins/invalid-json', message: `${what}; ${consequence}`, location: found?.location ?? { file }, ...(found?.sourceLine === undefined ? {} : { sourceLine: found.sourceLine }), hint: 'fix the JSON at this place (strings in double quotes, no trailing commas or comments)' });
    return undefined;
  }
}


function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
}
