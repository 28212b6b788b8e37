import { parseArgs } from 'node:util';
import { didYouMean, OrchError } from '@orch/engine';

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
  /** The value's name in `--help`: `--base <ref>`. Default `value`. */
  valueName?: string;
  /** The values it takes: anything else is a usage error with "did you mean". */
  values?: readonly string[];
  /** For a free-form value: what was expected, when `value` is not that (`a duration such as 7d`); undefined when it is fine. */
  check?: (value: string) => string | undefined;
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
 * Parses a subcommand's arguments against its option declarations. Pure: tests call it
 * directly. Usage errors (`OrchError('usage')`) say what was given, what is expected and an
 * example: an unknown option (with "did you mean"), a missing value, a value outside `values`
 * (with "did you mean") or refused by `check`. A value that looks like an option (`--concurrency
 * -1`) is taken as the value, so it is judged as one.
 */
export function parseCommandLine(argv: readonly string[], options: CliOptions, allowPositionals = true): ParsedCommandLine {
  const dashes = argv.indexOf('--');
  const own = attachValues(dashes >= 0 ? argv.slice(0, dashes) : argv, options);
  const passthrough = dashes >= 0 ? argv.slice(dashes + 1) : [];
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: own, options: Object.fromEntries(Object.entries(options).map(([name, option]) => [name, parserSpec(option)])), allowPositionals, strict: true });
  } catch (error) {
    throw usageError((error as Error).message, options);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    for (const each of Array.isArray(value) ? value : [value]) if (typeof each === 'string') checkValue(name, each, options[name]!);
  }
  return { values: parsed.values as ParsedCommandLine['values'], positionals: parsed.positionals, passthrough };
}

function parserSpec(option: CliOption): { type: 'string' | 'boolean'; short?: string; multiple?: boolean } {
  return { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) };
}

/**
 * Joins each string option to its value (`--kind x` → `--kind=x`), so a value that starts with a
 * dash is a value; an option with a `bare` value takes the next argument only when it is one of
 * its values or matches its `bareNext` (`--continue` alone is `--continue=always`). An option without its value is a
 * usage error here, where the option is known.
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

/** What node's parser refused, in orch's words. */
function usageError(message: string, options: CliOptions): OrchError {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown) {
    const names = Object.keys(options).map((name) => `--${name}`);
    return new OrchError('usage', `unknown option '${unknown}'`, { hint: didYouMean(unknown, names) ?? (names.length > 0 ? `options: ${names.join(', ')}` : 'this command takes no options') });
  }
  const positional = /Unexpected argument '([^']*)'/.exec(message)?.[1];
  if (positional !== undefined) return new OrchError('usage', `unexpected argument '${positional}'`, { hint: 'this command takes no names; run with --help to see the usage' });
  const given = /Option '(-{1,2}[^' ]+)(?: <value>)?' does not take an argument/.exec(message)?.[1];
  if (given) return new OrchError('usage', `${given} takes no value`, { hint: `give it alone: ${given}` });
  return new OrchError('usage', message.replace(/\. To specify a positional argument.*$/s, ''), { hint: 'run with --help to see the usage' });
}
