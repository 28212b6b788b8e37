import type { CommanderError } from 'commander';
import { didYouMean, OrchError } from '@orch/engine';
import { commanderCommand } from './commanderCommand.js';

/**
 * One option of a command, declared once: the parser reads it, checks its values, and `--help`
 * is rendered from it (STYLE.md, "the CLI's help comes from the same declaration as its
 * parsing").
 */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  /** Given more than once, the values add up (`--skip a --skip b`). */
  multiple?: boolean;
  /** One line for `--help`. */
  description: string;
  /**
   * What it is when not given, as `--help` shows it (`never`, `the number of cores`). Shown only:
   * the code that applies the option supplies the default.
   */
  default?: string;
  /** The value's name in `--help`: `--base <ref>`. Default `value`. */
  valueName?: string;
  /** The values it takes: anything else is a usage error with "did you mean". */
  values?: readonly string[];
  /** For a free-form value: what was expected, when `value` is not that (`a duration such as 7d`); undefined when it is fine. */
  check?: (value: string) => string | undefined;
  /**
   * What of the workspace its value names, for shell completion: `targets` (`affected -t build`)
   * or `packages` (`-F web`, Turborepo's filter syntax: `...web`, `!web` complete too).
   */
  names?: 'targets' | 'packages';
  /** A valid use, for messages: `--concurrency 4`. */
  example?: string;
  /** The value of the option given bare (`--continue` means `--continue=always`). */
  bare?: string;
  /**
   * With `bare`: a next argument like this is the option's value rather than a name
   * (`--html graph.html`, where `--html ci` names the command `ci`).
   */
  bareNext?: RegExp;
}

export type CliOptions = Readonly<Record<string, CliOption>>;

export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Arguments after `--`, passed to the task. */
  passthrough: string[];
}

/**
 * Parses a subcommand's arguments against its option declarations, with commander
 * (`commanderCommand`, the same object that renders its `--help`). Pure: tests call it
 * directly. Usage errors (`OrchError('usage')`) say what was given, what is expected and an
 * example: an unknown option (with "did you mean"), a missing value, a value outside `values`
 * (with "did you mean") or refused by `check`. A value that looks like an option (`--concurrency
 * -1`) is taken as the value, so it is judged as one. Only options given are in `values`
 * (a declared `default` is for help; the code that applies an option knows its default).
 */
export function parseCommandLine(argv: readonly string[], options: CliOptions, allowPositionals = true): ParsedCommandLine {
  const dashes = argv.indexOf('--');
  const own = attachValues(dashes >= 0 ? argv.slice(0, dashes) : argv, options);
  const passthrough = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const command = commanderCommand('orch', options, { positionals: allowPositionals });
  try {
    command.parse(own, { from: 'user' });
  } catch (error) {
    throw usageError(error as CommanderError, options, command.args);
  }
  const values: ParsedCommandLine['values'] = {};
  for (const option of command.options) {
    const key = option.attributeName();
    // `--no-x` is the flag `no-x`, given (commander would call it `x`, false).
    if (command.getOptionValueSource(key) === 'cli') values[option.long!.slice(2)] = option.negate ? true : (command.getOptionValue(key) as string | boolean | string[]);
  }
  for (const [name, value] of Object.entries(values)) {
    for (const each of Array.isArray(value) ? value : [value]) if (typeof each === 'string') checkValue(name, each, options[name]!);
  }
  return { values, positionals: command.args, passthrough };
}

/**
 * Joins each string option to its value (`--kind x` → `--kind=x`), so a value that starts with a
 * dash is a value; an option with a `bare` value takes the next argument only when it is one of
 * its values or matches its `bareNext` (`--continue` alone is `--continue=always`). An option
 * without its value, or a flag given one (`--json=yes`), is a usage error here, where the option
 * is known.
 */
function attachValues(argv: readonly string[], options: CliOptions): string[] {
  const byFlag = new Map<string, [string, CliOption]>();
  for (const [name, option] of Object.entries(options)) {
    byFlag.set(`--${name}`, [name, option]);
    if (option.short) byFlag.set(`-${option.short}`, [name, option]);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const found = byFlag.get(arg);
    if (!found || found[1].type !== 'string') {
      const flag = arg.startsWith('--') ? arg.slice(0, arg.indexOf('=') >>> 0) : undefined;
      if (flag !== undefined && flag !== arg && byFlag.get(flag)?.[1].type === 'boolean') throw new OrchError('usage', `${flag} takes no value`, { hint: `give it alone: ${flag}` });
      out.push(arg);
      continue;
    }
    const [name, option] = found;
    const next = argv[i + 1];
    if (option.bare !== undefined && next !== undefined && (option.values?.includes(next) || option.bareNext?.test(next))) {
      out.push(`--${name}=${next}`);
      i++;
    } else if (option.bare !== undefined) out.push(`--${name}=${option.bare}`);
    else if (next === undefined || byFlag.has(next)) throw missingValue(name, option);
    else {
      out.push(`--${name}=${next}`);
      i++;
    }
  }
  return out;
}

function checkValue(name: string, value: string, option: CliOption): void {
  const given = `--${name} ${value}`;
  if (option.values && !option.values.includes(value)) {
    throw new OrchError('usage', `${given}: expected ${listOf(option.values)}`, { hint: didYouMean(value, option.values) ?? `e.g. ${option.example ?? `--${name} ${option.values[0]}`}` });
  }
  const expected = option.check?.(value);
  if (expected !== undefined) throw new OrchError('usage', `${given}: expected ${expected}`, { hint: `e.g. ${option.example ?? `--${name} <${option.valueName ?? 'value'}>`}` });
}

function missingValue(name: string, option: CliOption): OrchError {
  const what = option.values ? listOf(option.values) : `<${option.valueName ?? 'value'}>`;
  return new OrchError('usage', `--${name} needs a value: ${what}`, { hint: `e.g. ${option.example ?? `--${name} ${option.values?.[0] ?? `<${option.valueName ?? 'value'}>`}`}` });
}

/** `one of a, b or c`. */
export function listOf(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `one of ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** What commander refused, in orch's words (its codes: commander's `CommanderError.code`). */
function usageError(error: CommanderError, options: CliOptions, given: readonly string[]): OrchError {
  if (error.code === 'commander.unknownOption') {
    const unknown = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    const names = Object.keys(options).map((name) => `--${name}`);
    return new OrchError('usage', `unknown option '${unknown}'`, { hint: didYouMean(unknown.split('=')[0]!, names) ?? (names.length > 0 ? `options: ${names.join(', ')}` : 'this command takes no options') });
  }
  // Commander has set the words it received when it refuses them.
  if (error.code === 'commander.excessArguments') return new OrchError('usage', `unexpected argument '${given[0]}'`, { hint: 'this command takes no names; run with --help to see the usage' });
  return new OrchError('usage', error.message.replace(/^error: /, ''), { hint: 'run with --help to see the usage' });
}
