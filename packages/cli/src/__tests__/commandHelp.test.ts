import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../globalOptions.js';
import { COMMANDS } from '../main.js';
import type { CliOptions } from '../parseCommandLine.js';
import { commandHelp } from '../render/commandHelp.js';

/** The help page with each option's text on one line: commander wraps at 80 columns. */
function flattened(help: string): string {
  return help.replace(/\s+/g, ' ');
}

describe("every command's help (issue 15, part 2)", () => {
  it.each(Object.keys(COMMANDS))('`orch %s --help` shows each option with its description, values and default; an optional value as optional', async (name) => {
    const command = await COMMANDS[name]!.load();
    const help = flattened(commandHelp(command));
    const options: CliOptions = { ...command.options, ...GLOBAL_OPTIONS };
    for (const [flag, option] of Object.entries(options)) {
      const value = option.valueName ?? 'value';
      const term = option.type === 'boolean' ? `--${flag}` : option.bare !== undefined ? `--${flag} [${value}]` : `--${flag} <${value}>`;
      expect(help, flag).toContain(`${term} ${flattened(option.description)}`);
      if (option.values) expect(help, flag).toContain(`one of: ${option.values.join(', ')}`);
      if (option.default !== undefined) expect(help, flag).toContain(`default: ${option.default}`);
      if (option.bare) expect(help, flag).toContain(`--${flag} alone: ${option.bare}`);
    }
    expect(help).toContain(`Usage: ${command.usage}`);
    for (const example of command.examples) expect(help).toContain(flattened(example));
  });

  it('says what an option is when it is not given, and what it means alone', async () => {
    const help = flattened(commandHelp(await COMMANDS.run!.load()));
    expect(help).toContain('--continue [mode] after a failure: never starts nothing more, dependencies-successful skips what depends on it, always runs everything (one of: never, dependencies-successful, always; default: never; --continue alone: always)');
    expect(help).toContain('--reporter <value> how progress is shown (one of: tty, plain, json, silent; default: tty in a terminal, else plain)');
    expect(help).toContain("--concurrency <n> how many tasks run at once: a number, or a percentage of the cores (default: the number of cores, or the config's concurrency)");
  });
});
