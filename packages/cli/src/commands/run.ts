import { availableParallelism } from 'node:os';
import { ExitCode, OrchError, planRun, type CacheAccess, type ContinueMode, type EngineOutput, type PlannedTask, type ResolvedCacheConfig } from '@orch/engine';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { workspaceCache } from '../taskHasher.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { runnableGraph } from '../runnableGraph.js';
import { resolveNames } from '../resolveNames.js';
import { runSession } from '../runSession.js';

const CONTINUE_MODES: readonly ContinueMode[] = ['never', 'dependencies-successful', 'always'];

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'orch run <command|pkg#target|target|workflow>... [options] [-- args]',
  description:
    'Runs the named tasks and everything they depend on, in parallel where the graph allows, through the ten pipeline stages. Arguments after -- go to the named tasks.',
  options: {
    concurrency: { type: 'string' },
    continue: { type: 'string' },
    'dry-run': { type: 'boolean' },
    only: { type: 'boolean' },
    json: { type: 'boolean' },
    reporter: { type: 'string' },
    force: { type: 'boolean' },
    cache: { type: 'string' },
    projects: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
  },
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
  ],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(
      argv.map((arg) => (arg === '--continue' ? '--continue=always' : arg)),
      this.options,
    );
    if (positionals.length === 0) throw new OrchError('usage', 'name at least one command, target or workflow to run', { hint: 'e.g. orch run build; `orch list` shows what there is' });
    const continueMode = parseContinue(values.continue);

    const output = engineOutput(io, values);
    const workspace = await openWorkspace(io.cwd, output);
    const concurrency = parseConcurrency((values.concurrency as string | undefined) ?? workspace.config.concurrency);
    applyCacheFlags(workspace.config.cache, values);
    const graph = runnableGraph(workspace, io);

    const roots = new Map<string, string>();
    for (const name of positionals) for (const id of await resolveNames(workspace, [name], io)) if (!roots.has(id)) roots.set(id, name);
    const filtered = await filterRoots(workspace, roots, values);
    const plan = planRun(graph, roots, { only: values.only === true });

    if (values['dry-run']) {
      const predictions = await predictCache(workspace, plan, roots, passthrough);
      if (values.json) io.stdout(`${JSON.stringify({ concurrency, tasks: plan.map((task) => ({ ...task, ...predictions.get(task.id) })) }, null, 2)}\n`);
      else io.stdout(renderPlan(plan, concurrency, predictions));
      return ExitCode.ok;
    }

    return runSession(
      {
        workspace,
        graph,
        plan,
        roots,
        args: passthrough,
        only: values.only === true,
        concurrency,
        continue: continueMode,
        // Filtered by --projects/--exclude: the tasks themselves, so `orch resume` runs the same.
        request: { names: filtered ? [...roots.keys()] : positionals, args: passthrough, only: values.only === true, continue: continueMode, concurrency },
        argv: ['run', ...argv],
      },
      io,
    );
  },
};

/** `--projects`/`--exclude`: drops the named tasks they leave out; true when they were given. */
export async function filterRoots(workspace: OpenWorkspace, roots: Map<string, string>, values: Record<string, unknown>): Promise<boolean> {
  const { projectFilter } = await import('@orch/plugins');
  const keep = projectFilter(workspace.registry, { projects: values.projects as string[] | undefined, exclude: values.exclude as string[] | undefined });
  if (!keep) return false;
  const before = roots.size;
  for (const id of [...roots.keys()]) if (!keep.keepTask(id)) roots.delete(id);
  if (roots.size === 0) throw new OrchError('usage', `--projects/--exclude leave none of the ${before} task${before === 1 ? '' : 's'} named`, { hint: 'a pattern is a glob on a project name or folder, or tag:<tag> (package.json#orch.tags)' });
  return true;
}

export function engineOutput(io: CliIO, values: Record<string, unknown>): EngineOutput {
  // A dry run prints its plan and nothing else.
  const requested = (values['dry-run'] ? 'silent' : values.json ? 'json' : values.reporter) as string | undefined;
  const tty = process.stderr.isTTY === true && !process.env.CI;
  const reporter = requested ?? (tty ? 'tty' : 'plain');
  if (!['tty', 'plain', 'json', 'silent'].includes(reporter)) throw new OrchError('usage', `--reporter=${reporter} is not a reporter`, { hint: 'use tty, plain, json or silent' });
  return {
    reporter: reporter as EngineOutput['reporter'],
    write: (stream, text) => (stream === 'stdout' ? io.stdout(text) : io.stderr(text)),
    color: io.color,
    // A pseudo-terminal may report 0 columns.
    columns: process.stderr.columns || Number(process.env.COLUMNS) || 100,
    cwd: io.cwd,
  };
}

/** `--continue=<mode>` (bare `--continue` arrives as `always`); default `never`. */
export function parseContinue(value: unknown): ContinueMode {
  const mode = (value as string | undefined) ?? 'never';
  if (!CONTINUE_MODES.includes(mode as ContinueMode)) throw new OrchError('usage', `--continue=${mode} is not a mode`, { hint: `use one of: ${CONTINUE_MODES.join(', ')}` });
  return mode as ContinueMode;
}

/** `--force`, and `--cache=local:rw,remote:r` (each `rw`, `r`, `w` or `off`). */
export function applyCacheFlags(cache: ResolvedCacheConfig, values: Record<string, unknown>): void {
  if (values.force) cache.force = true;
  const spec = values.cache as string | undefined;
  if (spec === undefined) return;
  for (const part of spec.split(',')) {
    const [where, access] = part.split(':');
    if (!['rw', 'r', 'w', 'off'].includes(access ?? '') || (where !== 'local' && where !== 'remote')) {
      throw new OrchError('usage', `--cache=${spec}: '${part}' is not <local|remote>:<rw|r|w|off>`, { hint: 'e.g. --cache=local:rw,remote:r' });
    }
    if (where === 'local') cache.local = access as CacheAccess;
    else if (cache.remote) cache.remote.access = access as CacheAccess;
  }
}

/** `4`, `50%` (of the cores, at least 1); default: the number of cores. */
export function parseConcurrency(value: string | number | undefined): number {
  const cores = availableParallelism();
  if (value === undefined) return cores;
  const text = String(value).trim();
  const match = /^(\d+)(%?)$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new OrchError('usage', `--concurrency ${text} is not a number of tasks or a percentage`, { hint: 'e.g. --concurrency 4 or --concurrency 50%' });
  return match[2] ? Math.max(1, Math.floor((cores * Number(match[1])) / 100)) : Number(match[1]);
}

/** Each planned task's hash, and whether the cache has it (as far as can be known before running). */
async function predictCache(workspace: OpenWorkspace, plan: readonly PlannedTask[], roots: ReadonlyMap<string, string>, args: readonly string[]) {
  const { hasher, cache } = await workspaceCache(workspace);
  const { remoteCacheClient, remoteCacheTrust, requireRemoteCacheKey } = await import('@orch/plugins');
  const settings = workspace.config.cache;
  requireRemoteCacheKey(settings);
  // A remote hit is predicted only where the run would read it: downloads it can trust.
  const remote = settings.remote?.access.includes('r') && remoteCacheTrust(settings.remote).reads !== 'refused' ? remoteCacheClient(settings) : undefined;
  const predictions = new Map<string, { hash: string; cache: 'hit' | 'remote-hit' | 'miss' | 'off' }>();
  for (const id of roots.keys()) if (args.length > 0) hasher.args.set(id, args);
  for (const task of plan) {
    const { hash } = await hasher.hash(task.id);
    const command = workspace.registry.commands.get(task.id)!;
    const off = command.metadata.cache === false || !workspace.config.cache.local.includes('r');
    let prediction: 'hit' | 'remote-hit' | 'miss' | 'off' = off ? 'off' : (await cache.get(hash)) ? 'hit' : 'miss';
    if (prediction === 'miss' && remote && (await remote.has(hash).catch(() => false))) prediction = 'remote-hit';
    predictions.set(task.id, { hash, cache: prediction });
  }
  return predictions;
}

function renderPlan(plan: readonly PlannedTask[], concurrency: number, predictions: ReadonlyMap<string, { hash: string; cache: string }>): string {
  const lines = [`${plan.length} task${plan.length === 1 ? '' : 's'} in order, concurrency ${concurrency}:`];
  for (const [index, task] of plan.entries()) {
    const why = task.reasons.map((r) => (r.kind === 'requested' ? `requested as '${r.as}'` : `needed by ${r.of} (${r.spec})`)).join('; ');
    const prediction = predictions.get(task.id);
    lines.push(`  ${String(index + 1).padStart(3)}. ${task.id}  ${why}${prediction ? `  [${prediction.hash.slice(0, 10)} cache ${prediction.cache}]` : ''}`);
    if (task.outside.length > 0) lines.push(`       not run (--only), must have completed before: ${task.outside.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
