import { OrchError } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { RUN_OPTIONS, runOptionSpecs, type RunOptionName } from '../runOptions.js';
import { engineOutput } from './run.js';

/** The run options that mean something across watch cycles. */
const WATCH_OPTIONS = ['concurrency', 'continue', 'force', 'cache', 'env-mode', 'framework-inference', 'filter', 'projects', 'exclude', 'output-logs', 'log-order', 'log-level', 'verbose'] satisfies RunOptionName[];

/** Run options `--watch` cannot go with: each is about one run. */
const ONE_RUN_OPTIONS = ['dry-run', 'only', 'summarize', 'profile', 'distribute', 'workers-min', 'local'] satisfies RunOptionName[];

export const watchCommand: CliCommand = {
  name: 'watch',
  usage: 'orch watch <command|pkg#target|target|workflow>... [options] [-- args]',
  description:
    "Runs the named tasks as `orch run` does, then watches the files: each burst of changes (debounced) re-runs the tasks whose hashes changed and what depends on them; a change during a run restarts only the tasks it reaches. Persistent tasks (dev servers) keep running and restart when their own inputs change. Config and command-file changes reload the graph. `.git`, node_modules, orch's state folder and every task's outputs are not watched. Ctrl-C ends every task (exit 130). Same as `orch run ... --watch`; Turborepo's `turbo watch`.",
  options: {
    ...runOptionSpecs(WATCH_OPTIONS),
    reporter: { ...RUN_OPTIONS.reporter, description: 'how progress is shown (the live view redraws the terminal, where a watch prints cycle after cycle)', default: 'plain' },
  },
  operands: 'names',
  examples: [
    'orch watch build                   # build every package, then rebuild what each change reaches',
    'orch watch build test --projects web',
    'orch watch web#dev                 # a persistent dev server, after its ^build dependencies',
    'orch run lint --watch              # the same as orch watch lint',
  ],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    return watchNames(positionals, values, passthrough, io, ['watch', ...argv]);
  },
};

/** `orch watch` and `orch run --watch`: watches until Ctrl-C; returns 130 (or 2 when the first survey fails). */
export async function watchNames(names: readonly string[], values: Record<string, unknown>, args: readonly string[], io: CliIO, argv: readonly string[]): Promise<number> {
  if (names.length === 0) throw new OrchError('usage', 'name at least one command, target or workflow to watch', { hint: 'e.g. orch watch build; `orch list` shows what there is' });
  const given = ONE_RUN_OPTIONS.filter((name) => values[name] !== undefined && values[name] !== false);
  if (given.length > 0) throw new OrchError('usage', `--watch cannot go with ${given.map((name) => `--${name}`).join(', ')}: ${given.length === 1 ? 'it is' : 'they are'} about one run`, { hint: 'leave it out, or run without --watch' });
  // The live view redraws the terminal: a watch prints lines, cycle after cycle.
  const output = engineOutput(io, { ...values, reporter: values.reporter ?? (values.json ? 'json' : 'plain') });
  const { WatchLoop } = await import('../watch/WatchLoop.js');
  return new WatchLoop({ names, values, args, argv }, io, output).run();
}
