/** The commands the daemon runs (docs/daemon.md); `run` and `affected` only as a full cache hit (`fullCacheHit`). */
const SERVED = new Set(['run', 'affected', 'list', 'show', 'validate', 'help']);

/** Options that make an invocation long-lived or its own kind of run: never the daemon's. */
const NEVER = ['--watch', '--distribute', '--no-daemon'];

/** orch's own options that take a value (`globalOptions.ts`), skipped to find the command. */
const VALUED = new Set(['--cwd', '--config']);

/**
 * Whether the daemon may serve this command line: `orch --help`/`--version`, `help`, `list`,
 * `show`, `validate`, `affected`, `run` and a target run by its name (`orch build`), without
 * `--watch` or `--distribute` before `--`. `commands` are orch's subcommand names.
 */
export function daemonServes(argv: readonly string[], commands: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  if (words.some((word) => NEVER.some((flag) => word === flag || word.startsWith(`${flag}=`)))) return false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (VALUED.has(word)) i++;
    else if (!word.startsWith('-')) return SERVED.has(word) || (!commands.includes(word) && !word.startsWith('__'));
  }
  return true;
}
