import type { CliOption, CliOptions } from '../parseCommandLine.js';

/**
 * The `--help` lines of declared options: each flag with its value (its name, else the values it
 * takes), then its description, in two columns. Rendered from the same
 * declaration the parser reads, so help and parsing never disagree (STYLE.md, rule 12).
 */
export function optionHelp(options: CliOptions): string[] {
  const rows = Object.entries(options).map(([name, option]) => [flagText(name, option), option.description] as const);
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

function flagText(name: string, option: CliOption): string {
  const short = option.short ? `-${option.short}, ` : '    ';
  if (option.type === 'boolean') return `${short}--${name}`;
  const value = `<${option.valueName ?? option.values?.join('|') ?? 'value'}>`;
  return option.bare === undefined ? `${short}--${name} ${value}` : `${short}--${name}[=${value}]`;
}
