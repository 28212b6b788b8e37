import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIO } from './CliCommand.js';
import type { CliOption, CliOptions } from './parseCommandLine.js';

/**
 * The options of orch itself, accepted before or after the command (`orch --cwd web list`,
 * `orch list --cwd web`; findings 11 #8, 12 #13). Declared once: `takeGlobalOptions` reads them
 * and `--help` shows them.
 */
export const GLOBAL_OPTIONS = {
  cwd: { type: 'string', valueName: 'dir', description: 'run as if started in <dir>', example: '--cwd packages/web' },
  config: { type: 'string', valueName: 'file', description: 'use this config file instead of searching for one', example: '--config ci.config.ts' },
  'no-color': { type: 'boolean', description: 'plain output; tasks get NO_COLOR=1 too (as with NO_COLOR set)' },
  'no-daemon': { type: 'boolean', description: 'run in this process, not through the daemon (docs/daemon.md; also ORCH_DAEMON=0)' },
  help: { type: 'boolean', short: 'h', description: 'help for orch, or for a command (orch <command> --help)' },
  version: { type: 'boolean', short: 'v', description: 'print the version (with --json: the version, Node.js version, platform and architecture as JSON)' },
} as const satisfies CliOptions;

export interface GlobalOptions {
  help: boolean;
  version: boolean;
  /** The arguments left: the command, its own options and names, and `--` with what follows. */
  rest: string[];
  /** What is wrong with them, for `globalOptionError`. */
  problem?: GlobalOptionProblem;
}

/** `--cwd` without a folder, or naming no folder; an option before the command that is not orch's own. */
export type GlobalOptionProblem =
  | { kind: 'missing-value'; option: 'cwd' | 'config' }
  | { kind: 'not-a-folder'; given: string; found: 'missing' | 'file' }
  | { kind: 'before-command'; given: string; after: string[] };

/**
 * Takes orch's own options out of `argv`, wherever they are before `--`, and applies `--cwd`,
 * `--config` (as `ORCH_CONFIG`) and `--no-color` to `io`. An option placed before the command
 * that is not one of them is a `problem`. Loads nothing: `orch --version` stays instant. Taken
 * here rather than by commander, which stops reading options at the first one it does not know:
 * the command's own options are unknown until its module is loaded (`orch run build --force
 * --cwd x`).
 */
export function takeGlobalOptions(argv: readonly string[], io: CliIO): GlobalOptions {
  const taken: GlobalOptions = { help: false, version: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      taken.rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--cwd' || flag === '--config') {
      const name = flag === '--cwd' ? 'cwd' : 'config';
      const value = inline ?? argv[i + 1];
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('-'))) return { ...taken, problem: { kind: 'missing-value', option: name } };
      if (inline === undefined) i++;
      if (flag === '--cwd') {
        const found = folderAt(resolve(io.cwd, value));
        if (found !== 'folder') return { ...taken, problem: { kind: 'not-a-folder', given: value, found } };
        io.cwd = resolve(io.cwd, value);
      } else process.env.ORCH_CONFIG = value;
    } else if (arg === '--no-color') {
      io.color = false;
      io.noColor = true;
    } else if (arg === '--no-daemon') {
      // Read by the entry before orch loads (daemon/daemonClient.ts): here it is only taken out.
    } else if (arg === '--help' || arg === '-h') taken.help = true;
    else if (arg === '--version' || arg === '-v') taken.version = true;
    else taken.rest.push(arg);
  }
  const first = taken.rest[0];
  if (first !== undefined && first !== '--' && first.startsWith('-')) return { ...taken, problem: { kind: 'before-command', given: first, after: taken.rest.slice(1) } };
  return taken;
}

/** What is at `path`: `--cwd` must name a folder, else orch would run in another one (FINDINGS-15 #5). */
function folderAt(path: string): 'folder' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * The usage error for a `GlobalOptionProblem`. An option placed before the command that a
 * command takes (`orch -F web build`, `orch --json list`) is said to go after it, naming the
 * commands that take it (`commandsTaking`); another gets "did you mean" among orch's own long
 * options (a one-letter option is close to every other: no guess for those; FINDINGS-15 #17c).
 */
export async function globalOptionError(problem: GlobalOptionProblem, commandsTaking: (flag: string) => Promise<{ commands: string[]; option?: CliOption }>): Promise<Error> {
  const { didYouMean, OrchError } = await import('@orch/engine');
  if (problem.kind === 'missing-value') {
    const option = GLOBAL_OPTIONS[problem.option];
    return new OrchError('usage', `--${problem.option} needs a value: <${option.valueName}>`, { hint: `e.g. orch ${option.example} list` });
  }
  if (problem.kind === 'not-a-folder') {
    return new OrchError('usage', `--cwd ${problem.given}: ${problem.found === 'missing' ? 'no such folder' : 'a file, not a folder'}`, { hint: `name a folder to run in, e.g. orch ${GLOBAL_OPTIONS.cwd.example} list` });
  }
  const globals = Object.entries(GLOBAL_OPTIONS).flatMap(([name, spec]) => [`--${name}`, ...('short' in spec ? [`-${spec.short}`] : [])]);
  const flag = problem.given.split('=')[0]!;
  const { commands: taking, option } = await commandsTaking(flag);
  if (taking.length > 0) {
    // The line as it should have been: `orch -F web build` → `orch build -F web`.
    const valueGiven = option?.type === 'string' && flag === problem.given && problem.after.length > 1;
    const moved = valueGiven ? [problem.given, problem.after[0]!] : [problem.given];
    const command = valueGiven ? problem.after.slice(1) : problem.after;
    const example = `orch ${command.length > 0 ? command.join(' ') : taking.includes('run') ? 'run build' : taking[0]} ${moved.join(' ')}`;
    const commands = taking.length === 1 ? taking[0] : `${taking.slice(0, -1).join(', ')} and ${taking.at(-1)}`;
    return new OrchError('usage', `'${flag}' goes after the command: it is an option of ${commands}, not of orch itself`, { hint: `e.g. ${example}` });
  }
  const close = flag.startsWith('--') ? didYouMean(flag, globals.filter((name) => name.startsWith('--'))) : undefined;
  return new OrchError('usage', `'${problem.given}' is not an option of orch itself`, {
    hint: close ?? `an option of a command goes after the command (orch <command> --help lists them); orch's own options are ${globals.join(', ')}`,
  });
}
