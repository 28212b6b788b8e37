import { closestMatches } from '../diagnostics/closestMatches.js';
import type { CommandDefinition } from './CommandDefinition.js';

/** What resolution needs to know about the known commands. */
export interface ResolvableCommands {
  commands: ReadonlyMap<string, CommandDefinition>;
}

export interface ResolveOptions {
  /** File name (without `.md`) run when a folder is named. Default `execute`. */
  defaultEntry?: string;
  /**
   * What `x` means when both `x.md` and `x/<defaultEntry>.md` exist: `folder-first` (default, the
   * reference design) runs the folder's default entry, `file-first` runs `x.md` as Claude Code does.
   */
  resolution?: 'folder-first' | 'file-first';
}

export type Resolution =
  | {
      kind: 'command';
      id: string;
      /** How the name was matched, for `orch show` and `--dry-run`. */
      via: 'exact' | 'folder-default' | 'direct-file' | 'alias';
      warnings: string[];
    }
  | { kind: 'target'; target: string; ids: string[] }
  | { kind: 'invalid'; reason: string }
  | {
      kind: 'not-found';
      /** The name as typed (trimmed), as messages show it. */
      name: string;
      /** Close names; never run without the user's confirmation, never used for a dependency. */
      suggestions: string[];
      /** When the name is a folder without a default entry, the commands inside it. */
      folderCommands: string[];
    };

/**
 * Normalise `x:y`, `/x:y` and `/x/y` to `x/y`; returns a reason string when the name is unsafe:
 * a NUL, a `\`, a path (`C:\x` or `C:/x`, `//x`, `~` or `~/x`), or `..` as a whole segment
 * (`a..b` is a name like any other). `q:run` is Claude Code's `/q:run`, never a drive letter.
 */
export function normaliseCommandName(input: string): { name: string; aliased: boolean } | { invalid: string } {
  if (input.includes('\0')) return { invalid: 'a command name cannot contain a NUL character' };
  if (input.includes('\\')) return { invalid: 'a command name uses `/` between folders, not `\\`' };
  if (/^[A-Za-z]:[\\/]/.test(input) || input.startsWith('//') || /^~(\/|$)/.test(input)) {
    return { invalid: `'${input}' is a path, not a command name; name commands by their id, e.g. milestone/plan` };
  }
  let name = input.trim();
  let aliased = false;
  if (name.startsWith('/')) {
    name = name.slice(1);
    aliased = true;
  }
  if (!name.includes('#') && name.includes(':')) {
    name = name.replaceAll(':', '/');
    aliased = true;
  }
  if (name === '' || name.endsWith('/')) return { invalid: `'${input}' does not name a command` };
  if (name.split(/[/#]/).some((segment) => segment === '..' || segment === '.')) {
    return { invalid: `'${input}' leaves the commands folder ('..' is not allowed as a folder in a command name)` };
  }
  return { name, aliased };
}

/**
 * Stage 1, resolve: map a name the user typed to a command, folder first (or file first).
 *
 * The name is tried as written, then with `:` read as `/`: `x:y` and `/x:y` are aliases of
 * `x/y`, while a file whose name holds a colon (`ui/ui:check.md`) resolves by its listed id and by
 * Claude Code's name for it (`/ui:ui:check`). For each form: `x.md` names the file `x.md` even
 * when a folder `x/` exists; `x` → `x/<defaultEntry>` then `x` (folder first), or `x` then
 * `x/<defaultEntry>` (file first). A name that is no command but a script of workspace packages
 * resolves to that target in every package that has it. Nothing fuzzy is ever chosen: close
 * names are returned as suggestions, never the name just refused.
 */
export function resolveCommand(known: ResolvableCommands, input: string, options: ResolveOptions = {}): Resolution {
  const commands = known.commands;
  // A listed id names itself, whatever it holds (`a:b`, `a..b`, `q/run`): it came from a file or the config.
  const listed = resolveForm(commands, input, 'exact', options);
  if (listed) return listed;
  const normalised = normaliseCommandName(input);
  if ('invalid' in normalised) return { kind: 'invalid', reason: normalised.invalid };
  const { name, aliased } = normalised;
  const via = aliased ? 'alias' : 'exact';

  const literal = input.trim().replace(/^\//, '');
  for (const form of literal !== name && !literal.includes('#') ? [literal, name] : [name]) {
    const found = resolveForm(commands, form, form === literal ? via : 'alias', options);
    if (found) return found;
  }
  if (name.includes('#')) return notFound(commands, name, input);

  // Claude Code lists `a/b:c.md` as `/a:b:c`: every `/` of the id read as `:`.
  const colonForm = name.replaceAll('/', ':');
  const sameName = [...commands.keys()].filter((id) => !id.includes('#') && id.replaceAll('/', ':') === colonForm);
  if (sameName.length === 1) return { kind: 'command', id: sameName[0]!, via: 'alias', warnings: [] };

  if (aliased && name.includes('/')) {
    // Nx users write `project:target`.
    const slash = name.indexOf('/');
    const targetId = `${name.slice(0, slash)}#${name.slice(slash + 1)}`;
    if (commands.has(targetId)) return { kind: 'command', id: targetId, via: 'alias', warnings: [] };
  }

  const targetIds: string[] = [];
  for (const command of commands.values()) if (command.kind === 'script' && command.target === name) targetIds.push(command.id);
  if (targetIds.length > 0) return { kind: 'target', target: name, ids: targetIds.sort() };

  return notFound(commands, name, input);
}

/** One spelling of a name: the `.md` file, `pkg#t`, or the folder's default entry and the file in the configured order. */
function resolveForm(commands: ReadonlyMap<string, CommandDefinition>, name: string, via: 'exact' | 'alias', options: ResolveOptions): Resolution | undefined {
  if (name.endsWith('.md')) {
    const direct = name.slice(0, -3);
    if (commands.get(direct)?.kind === 'markdown') return { kind: 'command', id: direct, via: 'direct-file', warnings: [] };
  }
  if (name.includes('#')) return commands.has(name) ? { kind: 'command', id: name, via, warnings: [] } : undefined;

  const folderDefault = `${name}/${options.defaultEntry ?? 'execute'}`;
  const file: Resolution | undefined = commands.has(name) ? { kind: 'command', id: name, via, warnings: [] } : undefined;
  // A skill is `/name` in Claude Code whatever folders share its name: the skill wins, as a file does with file-first.
  if (file && (options.resolution === 'file-first' || commands.get(name)!.layout?.form === 'skill')) return file;
  if (commands.has(folderDefault)) {
    const warnings = file ? [shadowWarning(name, folderDefault)] : [];
    return { kind: 'command', id: folderDefault, via: 'folder-default', warnings };
  }
  return file;
}

/** What `orch run`, `show`, `list` and `validate` say when a folder's default entry hides a file of the same name. */
export function shadowWarning(name: string, folderDefault: string): string {
  return `both '${name}.md' and the folder '${name}/' exist; folder-first resolution runs '${folderDefault}'. Name '${name}.md' to run the file instead, or set resolution: 'file-first' in the config.`;
}

function notFound(commands: ReadonlyMap<string, CommandDefinition>, name: string, input: string): Resolution {
  const typed = input.trim();
  const prefix = `${name}/`;
  const folderCommands = [...commands.keys()].filter((id) => id.startsWith(prefix)).sort();
  const targets = new Set<string>();
  for (const command of commands.values()) if (command.target) targets.add(command.target);
  // Never the name just refused, in any of its spellings; close to what was typed or to what it means.
  const refused = new Set([name, typed, typed.replace(/^\//, '')]);
  const candidates = [...commands.keys(), ...targets].filter((candidate) => !refused.has(candidate));
  const suggestions = [...new Set([...closestMatches(typed.replace(/^\//, ''), candidates, 5), ...closestMatches(name, candidates, 5)])].slice(0, 5);
  return { kind: 'not-found', name: typed, suggestions, folderCommands };
}

/** A one-line explanation of a failed resolution, for errors and diagnostics. */
export function describeUnresolved(resolution: Extract<Resolution, { kind: 'not-found' | 'invalid' }>): {
  message: string;
  hint?: string;
} {
  if (resolution.kind === 'invalid') return { message: resolution.reason };
  const { name, suggestions, folderCommands } = resolution;
  if (folderCommands.length > 0) {
    const shown = folderCommands.slice(0, 8).join(', ') + (folderCommands.length > 8 ? ', …' : '');
    return {
      message: `'${name}' is a folder of commands without a default entry`,
      hint: `name one of them: ${shown}`,
    };
  }
  const hint = suggestions.length > 0 ? `did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : 'run `orch list` to see every command';
  return { message: `unknown command '${name}'`, hint };
}
