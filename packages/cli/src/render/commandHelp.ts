import type { CliCommand } from '../CliCommand.js';
import { commanderCommand } from '../commanderCommand.js';
import { GLOBAL_OPTIONS } from '../globalOptions.js';

/** The heading of orch's own options in every help page. */
export const GLOBAL_HEADING = 'Global options (before or after the command):';

/**
 * `orch <command> --help`: usage, description, the command's options and orch's own, each with
 * its description, values and default, rendered by commander from the declarations the parser
 * reads (STYLE.md, rule 12); then the examples.
 */
export function commandHelp(command: CliCommand): string {
  const help = commanderCommand(`orch ${command.name}`, command.options, { usage: command.usage, description: command.description, group: { heading: GLOBAL_HEADING, options: GLOBAL_OPTIONS } });
  return [help.helpInformation(), 'Examples:', ...command.examples.map((example) => `  ${example}`), ''].join('\n');
}
