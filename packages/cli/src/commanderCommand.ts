import { Command, Option } from 'commander';
import type { CliOption, CliOptions } from './parseCommandLine.js';
import { helpWidth } from './render/helpWidth.js';

/** What a commander `Command` is built from besides its options. */
export interface CommandShape {
  /** The whole usage line (`orch run <names>... [options] [-- args]`); default commander's own. */
  usage?: string;
  description?: string;
  /** Takes names after its options (`orch run build`); else an extra word is a usage error. */
  positionals?: boolean;
  /** Options shown in a group of their own (orch's global options), under this heading. */
  group?: { heading: string; options: CliOptions };
}

/**
 * A commander `Command` for one of orch's commands, translated from its `CliOption`
 * declarations: the same object parses the command line (`parseCommandLine`) and renders
 * `--help`, so they never disagree (STYLE.md, rule 12). It never prints and never exits:
 * commander's errors are thrown (`exitOverride`) for `parseCommandLine` to put in orch's words.
 */
export function commanderCommand(name: string, options: CliOptions, shape: CommandShape = {}): Command {
  const command = new Command(name)
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(shape.positionals ?? true)
    .configureHelp({ helpWidth: helpWidth(), optionDescription, optionTerm, ...(shape.usage ? { commandUsage: () => shape.usage! } : {}) });
  if (shape.description) command.description(shape.description);
  if (shape.positionals !== false) command.argument('[names...]');
  for (const [flag, option] of Object.entries(options)) command.addOption(commanderOption(flag, option));
  if (shape.group) for (const [flag, option] of Object.entries(shape.group.options)) command.addOption(commanderOption(flag, option).helpGroup(shape.group.heading));
  return command;
}

/**
 * One declaration as a commander `Option`: `--name <value>`, `--name [value]` when it has a
 * `bare` value (optional, as `--continue [mode]`), `--name` for a flag. Its `values` become the
 * choices help lists, and `default` the default it shows; the values themselves are checked by
 * `parseCommandLine`, which says "did you mean".
 */
export function commanderOption(name: string, option: CliOption): Option {
  const value = option.valueName ?? 'value';
  const argument = option.type === 'boolean' ? '' : option.bare !== undefined ? ` [${value}]` : ` <${value}>`;
  const built = new Option(`${option.short ? `-${option.short}, ` : ''}--${name}${argument}`, option.description);
  if (option.values) built.argChoices = [...option.values];
  if (option.default !== undefined) built.default(option.default, option.default);
  if (option.bare !== undefined) built.preset(option.bare);
  if (option.multiple) built.argParser((given: string, previous: unknown) => [...(Array.isArray(previous) ? (previous as string[]) : []), given]);
  return built;
}

/** An option's help: its description, then what it takes, its default, and what it means alone. */
function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(', ')}`);
  if (option.defaultValueDescription) extra.push(`default: ${option.defaultValueDescription}`);
  if (typeof option.presetArg === 'string' && option.presetArg !== '') extra.push(`${option.long} alone: ${option.presetArg}`);
  return extra.length > 0 ? `${option.description} (${extra.join('; ')})` : option.description;
}

/** Long options line up whether or not they have a short one (`-t, --targets`, `    --base`). */
function optionTerm(this: void, option: Option): string {
  return option.short ? option.flags : `    ${option.flags}`;
}
