import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean, OrchError } from '@orch/engine';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Arguments after `--`, passed to the task. */
  passthrough: string[];
}

/**
 * Parses a subcommand's arguments. Pure: tests call it directly. An unknown option is a usage
 * error with "did you mean".
 */
export function parseCommandLine(argv: readonly string[], options: OptionSpec, allowPositionals = true): ParsedCommandLine {
  const dashes = argv.indexOf('--');
  const own = dashes >= 0 ? argv.slice(0, dashes) : [...argv];
  const passthrough = dashes >= 0 ? argv.slice(dashes + 1) : [];
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals, strict: true });
    return { values: values as ParsedCommandLine['values'], positionals, passthrough };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const names = Object.keys(options).map((name) => `--${name}`);
      throw new OrchError('usage', `unknown option '${unknown}'`, { hint: didYouMean(unknown, names) ?? `options: ${names.join(', ')}` });
    }
    throw new OrchError('usage', message.replace(/\. To specify a positional argument.*$/s, ''), { hint: 'run with --help to see the usage' });
  }
}
