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
    expect(help).toContain('--continue [mode] what runs after a task fails: never (start no other task), dependencies-successful (skip only what depends on the failed task), always (run every task that can run) (one of: never, dependencies-successful, always; default: never; --continue alone: always)');
    expect(help).toContain('--reporter <value> how progress is shown (one of: tty, plain, json, silent; default: tty in a terminal, else plain)');
    expect(help).toContain("--concurrency <n> how many tasks run at once: a number, or a percentage of the cores (default: the number of cores, or the config's concurrency)");
  });

  it('shows the default of the cache and environment options, and what strict and loose mean (FINDINGS-15 #11)', async () => {
    const help = flattened(commandHelp(await COMMANDS.run!.load()));
    expect(help).toContain("--cache <spec> cache access for this run, per cache: local:<access>,remote:<access>, each rw (read and write), r (read only), w (write only) or off (default: the config's cache.local and cache.remote.access, else local:rw,remote:rw)");
    expect(help).toContain("--env-mode <mode> the environment tasks see, over the config's and each task's envMode: strict (a base set and the variables declared in env or passThroughEnv, as Turborepo's) or loose (all of orch's environment, every variable hashed but the volatile ones; docs/configuration.md#environment) (one of: strict, loose; default: the config's envMode, else strict)");
    const worker = flattened(commandHelp(await COMMANDS.worker!.load()));
    expect(worker).toContain('jobs run at once, per run (default: 1)');
    expect(worker).toContain('goes back to the queue (default: 30s)');
  });

  it.each(Object.keys(COMMANDS))('`orch %s`: a default is declared as `default`, so help shows it as every other (FINDINGS-15 #11)', async (name) => {
    const command = await COMMANDS[name]!.load();
    // A flag (boolean) has no value to default; its description may say what is done without it.
    for (const [flag, option] of Object.entries(command.options)) if (option.type === 'string') expect(option.description, flag).not.toMatch(/\bdefault\b/i);
  });
});
