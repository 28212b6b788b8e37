/** The commands the daemon runs (docs/daemon.md); `run` and `affected` only as a full cache hit (`fullCacheHit`). */
const SERVED = new Set(['run', 'affected', 'list', 'show', 'validate', 'help']);

/**
 * Options that make an invocation long-lived, its own kind of run, or run commands (`show
 * --render --exec` runs a prompt's `` !`cmd` `` lines): never the daemon's, which starts no process
 * of a command (its environment, terminal and signals are the client's).
 */
const NEVER = ['--watch', '--distribute', '--no-daemon', '--exec'];

/** orch's own options that take a value (`globalOptions.ts`), skipped to find the command. */
const VALUED = new Set(['--cwd', '--config']);

/**
 * Whether the daemon may serve this command line: `orch --help`/`--version`, `help`, `list`,
 * `show`, `validate`, `affected`, `run` and a target run by its name (`orch build`), without
 * `--watch`, `--distribute` or `--exec` before `--`. `commands` are orch's subcommand names.
 */
export function daemonServes(argv: readonly string[], commands: readonly string[]): boolean {
  const words = orchWords(argv);
  if (words.some((word) => NEVER.some((flag) => word === flag || word.startsWith(`${flag}=`)))) return false;
  const command = commandWord(words);
  return command === undefined || SERVED.has(command) || (!commands.includes(command) && !command.startsWith('__'));
}

/**
 * Whether the daemon admits this served command line only as a full cache hit, and may leave it
 * to the client: `run`, `affected` without `--list`, and a target run by its name.
 */
export function servedOnlyAsFullHit(argv: readonly string[], commands: readonly string[]): boolean {
  const words = orchWords(argv);
  const command = commandWord(words);
  if (command === 'affected') return !words.includes('--list');
  return command === 'run' || (command !== undefined && !commands.includes(command) && !SERVED.has(command));
}

/**
 * What a new daemon may warm up with (`warmUp.ts`): a run admitted only as a full hit (never
 * admitted there), `list`, `validate` and `affected --list`, which only read.
 */
export function warmsUp(argv: readonly string[], commands: readonly string[]): boolean {
  if (!daemonServes(argv, commands)) return false;
  const words = orchWords(argv);
  const command = commandWord(words);
  return servedOnlyAsFullHit(argv, commands) || command === 'list' || command === 'validate' || (command === 'affected' && words.includes('--list'));
}

/** The words before `--`: orch's own, not a command's arguments. */
function orchWords(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** The command's name: the first word that is neither an option nor an option's value. */
function commandWord(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (VALUED.has(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}
