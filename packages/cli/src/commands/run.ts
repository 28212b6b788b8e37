import { ExitCode, OrchError, planRun, terminalJson, terminalText, type EngineOutput, type PlannedTask } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { workspaceCache } from '../taskHasher.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { helpWidth } from '../render/helpWidth.js';
import { liveViewLegend } from '../render/liveViewLegend.js';
import { runnableGraph } from '../runnableGraph.js';
import { resolveRoots } from '../resolveNames.js';
import { filterRoots } from '../filterRoots.js';
import { runOptionSpecs, runRequest, runSettings, type RunOptionName } from '../runOptions.js';
import { outputOptions } from '../outputOptions.js';
import { runSession } from '../runSession.js';
import { pluginsModule } from '../lazyModules.js';

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'orch run <command|pkg#target|target|workflow>... [options] [-- args]',
  // A getter: the legend is laid out for the width the help is printed at.
  get description() {
    return `Runs the named tasks and everything they depend on, in parallel where the graph allows, through the ten pipeline stages, as \`turbo run\` does (a name that is not an orch command runs the same way: \`orch build\`). A name is a package target (\`build\`: every package with that script), the one of a package (\`web#build\`), a markdown command (\`quality/verify\`) or a workflow. Arguments after -- go to the named tasks.\n\n${liveViewLegend(helpWidth())}`;
  },
  options: runOptionSpecs(['concurrency', 'continue', 'dry-run', 'only', 'json', 'reporter', 'force', 'cache', 'env-mode', 'framework-inference', 'filter', 'projects', 'exclude', 'summarize', 'profile', 'output-logs', 'log-order', 'log-level', 'verbose', 'distribute', 'workers-min', 'local', 'watch'] satisfies RunOptionName[]),
  operands: 'names',
  examples: [
    'orch run build                     # build in every package, dependencies first',
    'orch run web#test --concurrency 50%',
    'orch run ci --continue             # same as --continue=always',
    'orch run test --continue=dependencies-successful',
    'orch run release --dry-run         # the plan and why each task runs',
    'orch run web#build --only          # no dependencies (they must have completed before)',
    'orch run quality/verify -- src/    # arguments for the task',
    'orch run build --force             # ignore cache hits (and store again)',
    'orch run build --cache=local:r,remote:rw',
    "orch run test --projects 'web*' --exclude tag:legacy   # only some packages' tasks",
    "orch run build --filter=web...     # web and the packages it depends on (Turborepo's filter syntax)",
    "orch run test -F '...[origin/main]'  # packages changed since origin/main, and their dependents",
    'orch run build --env-mode=loose    # tasks see all of orch\'s environment (hashed but volatile variables)',
    'orch run build --output-logs=new-only   # output of what ran; a line for each cache hit',
    'orch run test --output-logs=errors-only --log-order=grouped',
    'orch run build --distribute redis://queue-host:6379 --workers-min 2   # on `orch worker` machines',
    'orch run build --watch             # then re-run what each file change reaches (orch watch)',
  ],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    if (positionals.length === 0) throw new OrchError('usage', 'name at least one command, target or workflow to run', { hint: 'e.g. orch run build; `orch list` shows what there is' });
    if (values.watch) return (await import('./watch.js')).watchNames(positionals, values, passthrough, io, ['run', ...argv]);

    const output = engineOutput(io, values);
    const workspace = await openWorkspace(io.cwd, output);
    const settings = runSettings(values, workspace.config);
    const { concurrency } = settings;

    const roots = await resolveRoots(workspace, positionals, io);
    const filtered = await filterRoots(workspace, roots, values, io);
    if (filtered === 'nothing-changed') {
      io.stderr(`orch: --filter selects no package with ${positionals.map((name) => `'${name}'`).join(' or ')} that changed; nothing to run\n`);
      return ExitCode.ok;
    }
    const graph = await runnableGraph(workspace, [...roots.keys()], { only: settings.only }, io);
    const plan = planRun(graph, roots, { only: settings.only });

    if (values['dry-run']) {
      const predictions = await predictCache(workspace, plan, roots, passthrough);
      if (values.json) io.stdout(`${terminalJson({ concurrency, tasks: plan.map((task) => ({ ...task, ...predictions.get(task.id) })) })}\n`);
      else io.stdout(terminalText(renderPlan(plan, concurrency, predictions)));
      return ExitCode.ok;
    }

    return runSession(
      {
        workspace,
        graph,
        plan,
        roots,
        args: passthrough,
        ...settings,
        // Filtered (--filter, --projects/--exclude, the package folder): the tasks themselves, so `orch resume` runs the same.
        request: runRequest(filtered === 'narrowed' ? [...roots.keys()] : positionals, passthrough, values, settings, workspace.config),
        argv: ['run', ...argv],
        summarize: values.summarize as string | undefined,
        profile: values.profile as string | undefined,
      },
      io,
    );
  },
};

export function engineOutput(io: CliIO, values: Record<string, unknown>): EngineOutput {
  // A dry run prints its plan and nothing else.
  const requested = (values['dry-run'] ? 'silent' : values.json ? 'json' : values.reporter) as string | undefined;
  const tty = process.stderr.isTTY === true && !process.env.CI;
  const reporter = requested ?? (tty ? 'tty' : 'plain');
  const terminal = reporter === 'tty' || reporter === 'plain' ? colorTerminal(io) : undefined;
  return {
    reporter: reporter as EngineOutput['reporter'],
    write: (stream, text) => (stream === 'stdout' ? io.stdout(text) : io.stderr(text)),
    ...(io.flow ? { congested: io.flow.congested, drained: io.flow.drained } : {}),
    color: io.color,
    // A pseudo-terminal may report 0 columns; read at each use, so the live view follows resizes.
    get columns() {
      return process.stderr.columns || Number(process.env.COLUMNS) || 100;
    },
    ...(process.stderr.isTTY ? { onResize: followResizes } : {}),
    ...outputOptions(values),
    cwd: io.cwd,
    ...(terminal ? { terminal } : {}),
    ...(io.noColor ? { noColor: true } : {}),
  };
}

/** The terminal's `resize` events (Node emits them on SIGWINCH for a TTY stream). */
function followResizes(listener: () => void): () => void {
  process.stderr.on('resize', listener);
  return () => process.stderr.off('resize', listener);
}

/**
 * The colour level and width of the terminal task output is shown on (stdout), if it is one
 * with colour: Node's colour depth (which reads `TERM`, `COLORTERM`, `FORCE_COLOR`, CI
 * variables) as chalk's levels, 4 bits → 1, 8 → 2, 24 → 3.
 */
function colorTerminal(io: CliIO): EngineOutput['terminal'] {
  if (!io.color || !process.stdout.isTTY) return undefined;
  // NO_COLOR was weighed already (io.color); left in beside FORCE_COLOR, Node would print a warning.
  const { NO_COLOR: _decided, ...env } = process.env;
  if (env.FORCE_COLOR !== undefined) delete env.NODE_DISABLE_COLORS;
  const level = ({ 4: 1, 8: 2, 24: 3 } as const)[process.stdout.getColorDepth(env) as 4 | 8 | 24];
  if (level === undefined) return undefined;
  return { colorLevel: level, columns: process.stdout.columns || Number(process.env.COLUMNS) || 80 };
}

/** Each planned task's hash, and whether the cache has it (as far as can be known before running). */
async function predictCache(workspace: OpenWorkspace, plan: readonly PlannedTask[], roots: ReadonlyMap<string, string>, args: readonly string[]) {
  const { hasher, cache } = await workspaceCache(workspace);
  const { remoteCacheClient, remoteCacheTrust, requireRemoteCacheKey } = await pluginsModule();
  const settings = workspace.config.cache;
  requireRemoteCacheKey(settings);
  // A remote hit is predicted only where the run would read it: downloads it can trust.
  const remote = settings.remote?.access.includes('r') && remoteCacheTrust(settings.remote).reads !== 'refused' ? remoteCacheClient(settings) : undefined;
  const predictions = new Map<string, Prediction>();
  for (const id of roots.keys()) if (args.length > 0) hasher.args.set(id, args);
  for (const task of plan) {
    // A dry run runs no `!`cmd`` line: a hash that needs their output cannot be known (`unknown`).
    const { hash, provisional } = await hasher.hash(task.id);
    const command = workspace.registry.commands.get(task.id)!;
    const off = command.metadata.cache === false || !workspace.config.cache.local.includes('r');
    if (provisional && !off) {
      predictions.set(task.id, { cache: 'unknown' });
      continue;
    }
    // --force runs every task whatever the cache holds (findings R2 #16): the plan says so.
    if (settings.force && !off) {
      predictions.set(task.id, { hash, cache: 'forced' });
      continue;
    }
    let prediction: 'hit' | 'remote-hit' | 'miss' | 'off' = off ? 'off' : (await cache.get(hash)) ? 'hit' : 'miss';
    if (prediction === 'miss' && remote && (await remote.has(hash).catch(() => false))) prediction = 'remote-hit';
    predictions.set(task.id, { hash, cache: prediction });
  }
  return predictions;
}

/**
 * A planned task's hash and cache answer; `forced` when `--force` runs it whatever the cache
 * holds; `unknown` (no hash) when the hash needs `!`cmd`` output a dry run does not run.
 */
type Prediction = { hash: string; cache: 'hit' | 'remote-hit' | 'miss' | 'off' | 'forced' } | { hash?: undefined; cache: 'unknown' };

function renderPlan(plan: readonly PlannedTask[], concurrency: number, predictions: ReadonlyMap<string, Prediction>): string {
  const lines = [`${plan.length} task${plan.length === 1 ? '' : 's'} in order, concurrency ${concurrency}:`];
  for (const [index, task] of plan.entries()) {
    const why = task.reasons.map((r) => (r.kind === 'requested' ? `requested as '${r.as}'` : `needed by ${r.of} (${r.spec})`)).join('; ');
    const prediction = predictions.get(task.id);
    const cache = !prediction
      ? ''
      : prediction.hash === undefined
        ? '  [cache unknown: its prompt\'s !`cmd` output is hashed when it runs]'
        : `  [${prediction.hash.slice(0, 10)} ${prediction.cache === 'forced' ? 'runs: --force ignores the cache' : `cache ${prediction.cache}`}]`;
    lines.push(`  ${String(index + 1).padStart(3)}. ${task.id}  ${why}${cache}`);
    if (task.outside.length > 0) lines.push(`       not run (--only), must have completed before: ${task.outside.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
