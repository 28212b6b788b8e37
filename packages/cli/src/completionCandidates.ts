import { resolve } from 'node:path';
import type { CliCommand, CommandEntry } from './CliCommand.js';
import { GLOBAL_OPTIONS } from './globalOptions.js';
import type { CliOption, CliOptions } from './parseCommandLine.js';

/** What the shell asks: orch's arguments typed so far, the last one the word being completed ('' for a new one). */
export type CompletionWords = readonly string[];

/**
 * The candidates for the word being completed, for `orch __complete` (the callback of the
 * scripts `orch completion <shell>` prints): orch's commands, the options of the command typed
 * (and orch's own), an option's values, and the workspace's command ids and targets where a
 * command takes names (`orch run <TAB>`, `orch <TAB>` as `orch build` runs), its targets for
 * `orch affected -t <TAB>`, its packages for `-F <TAB>`. A value is completed whether given as
 * `--opt value` or `--opt=value`. Only those that start with the word. Never throws: a workspace
 * that cannot be read gives no names, the rest still completes.
 */
export async function completionCandidates(words: CompletionWords, commands: Readonly<Record<string, CommandEntry>>, cwd: string): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const typed = words.slice(0, -1);
  if (typed.includes('--')) return [];
  const context = await commandContext(typed, commands, cwd);
  const options: CliOptions = { ...context.command?.options, ...GLOBAL_OPTIONS };
  const inline = /^(--[^=]+)=(.*)$/.exec(current);
  const valueOf = inline ? options[inline[1]!.slice(2)] : context.pending;
  if (valueOf) {
    const typed = inline ? inline[2]! : current;
    // What comes before the name being completed: `-t lint,te`, `-F ...we`, `-F !we`.
    const before = valueOf.names === 'packages' ? /^!?(?:\.\.\.\^?)?/.exec(typed)![0] : valueOf.multiple ? typed.slice(0, typed.lastIndexOf(',') + 1) : '';
    const values = valueOf.names ? await workspaceNames(context.cwd, valueOf.names) : (valueOf.values ?? []);
    return startingWith(values.map((value) => `${inline ? `${inline[1]}=` : ''}${before}${value}`), current);
  }
  if (current.startsWith('-')) return startingWith(Object.keys(options).map((name) => `--${name}`), current);
  if (context.name === undefined) return startingWith([...Object.keys(commands), 'help', ...(await workspaceNames(context.cwd, 'tasks'))], current);
  if (context.name === 'help') return startingWith(Object.keys(commands), current);
  const operands = context.command?.operands;
  if (operands === undefined) return [];
  return startingWith(operands === 'names' ? await workspaceNames(context.cwd, 'tasks') : operands, current);
}

interface CommandContext {
  /** The command typed (`run`, or a target for `orch build`), if any yet. */
  name?: string;
  /** Its module: for a word that is not a command, `run`'s (`orch build` is `orch run build`). */
  command?: CliCommand;
  /** Where to look for the workspace: `--cwd` applied. */
  cwd: string;
  /** The option just typed that waits for its value (`--kind <TAB>`). */
  pending?: CliOption;
}

/** Reads the words before the one completed: the command, `--cwd`/`--config`, and an option waiting for its value. */
async function commandContext(typed: readonly string[], commands: Readonly<Record<string, CommandEntry>>, cwd: string): Promise<CommandContext> {
  const context: CommandContext = { cwd };
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i]!;
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const option = optionNamed(flag, { ...context.command?.options, ...GLOBAL_OPTIONS });
    if (option?.type === 'string' && option.bare === undefined && inline === undefined) {
      if (i === typed.length - 1) context.pending = option;
      else if (flag === '--cwd') context.cwd = resolve(context.cwd, typed[++i]!);
      else if (flag === '--config') process.env.ORCH_CONFIG = typed[++i];
      else i++;
    } else if (flag === '--cwd') context.cwd = resolve(context.cwd, inline ?? '');
    else if (flag === '--config' && inline) process.env.ORCH_CONFIG = inline;
    else if (!word.startsWith('-') && context.name === undefined) {
      context.name = word;
      const entry = Object.hasOwn(commands, word) ? commands[word] : word === 'help' ? undefined : commands.run;
      context.command = await entry?.load();
    }
  }
  return context;
}

/** The option a flag names (`--kind`, `-t`). */
function optionNamed(word: string, options: CliOptions): CliOption | undefined {
  if (word.startsWith('--')) return Object.hasOwn(options, word.slice(2)) ? options[word.slice(2)] : undefined;
  return word.length === 2 && word.startsWith('-') ? Object.values(options).find((option) => option.short === word[1]) : undefined;
}

/**
 * Names of the workspace at `cwd`: its targets (`build`), its packages, or what a run takes
 * (`tasks`: the targets, then the command ids orch lists); none when it cannot be read.
 */
async function workspaceNames(cwd: string, kind: 'tasks' | 'targets' | 'packages'): Promise<string[]> {
  try {
    const { openWorkspace } = await import('./openWorkspace.js');
    const { registry } = await openWorkspace(cwd, undefined, { inspectOnly: true });
    if (kind === 'packages') return [...registry.projects.keys()].sort();
    const commands = registry.sortedCommands().filter((command) => command.metadata.userInvocable !== false);
    const targets = commands.flatMap((command) => (command.target ? [command.target] : []));
    return [...new Set(kind === 'targets' ? targets : [...targets, ...commands.map((command) => command.id)])];
  } catch {
    return [];
  }
}

function startingWith(candidates: readonly string[], prefix: string): string[] {
  return [...new Set(candidates.filter((candidate) => candidate.startsWith(prefix)))];
}
