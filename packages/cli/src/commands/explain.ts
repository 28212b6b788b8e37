import { ExitCode, OrchError, terminalJson, terminalText, type CommandDefinition, type ResolvedConfig } from '@orch/engine';
import type { HashInputs } from '@orch/plugins';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { filterRoots } from '../filterRoots.js';
import { resolveRoots } from '../resolveNames.js';
import { workspaceCache } from '../taskHasher.js';
import { applyEnvModeFlag, runOptionSpecs } from '../runOptions.js';
import { whileStoppable } from '../stopSignals.js';
import { pluginsModule } from '../lazyModules.js';

/** One labelled line per item, the first 20, then how many more there are. */
function listed(label: string, items: readonly string[]): string[] {
  const shown = items.length > 20 ? [...items.slice(0, 20), `… ${items.length - 20} more (--json lists all)`] : items;
  return shown.map((item) => `  ${`${label}:`.padEnd(15)}${item}`);
}

export const explainCommand: CliCommand = {
  name: 'explain',
  usage: 'orch explain <task>... [options] [-- args]',
  description: "Shows what a task's hash is made of, whether the cache has it, and what changed since its last run: why it will run or come from the cache (what `turbo run --dry=json` shows of a task's hash inputs, and the difference from the last run). A prompt's !`cmd` lines run, as a run would run them: their output is part of the hash.",
  options: { json: { type: 'boolean', description: 'print the report as JSON' }, ...runOptionSpecs(['filter', 'env-mode', 'framework-inference']) },
  operands: 'names',
  examples: ['orch explain web#build', 'orch explain build --json', 'orch explain quality/verify -- src/', 'orch explain web#build --env-mode=loose   # as `orch run --env-mode=loose` would hash it'],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    if (positionals.length === 0) throw new OrchError('usage', 'name a task to explain', { hint: 'e.g. orch explain web#build' });
    const workspace = await openWorkspace(io.cwd);
    applyEnvModeFlag(workspace.config, values);
    const roots = await resolveRoots(workspace, positionals, io);
    if ((await filterRoots(workspace, roots, values, io)) === 'nothing-changed') {
      io.stderr('orch: --filter selects no package that changed; nothing to explain\n');
      return ExitCode.ok;
    }
    const ids = [...roots.keys()];
    const { explainChanges, commandShellLines } = await pluginsModule();
    // A prompt's `!`cmd`` output is part of its hash: the lines run here as a run would run them.
    const reports = await whileStoppable(async (signal): Promise<ExplainReport[] | undefined> => {
      const { hasher, cache, records } = await workspaceCache(workspace, { shellLines: commandShellLines(workspace.engine, { signal }) });
      const found: ExplainReport[] = [];
      for (const id of ids) {
        if (passthrough.length > 0) hasher.args.set(id, passthrough);
        const hashed = await hasher.hash(id).catch((error: unknown) => {
          if (signal.aborted) return undefined;
          throw error;
        });
        if (!hashed) return undefined;
        const { hash, inputs, ignored, linkedFrom, linksOutside } = hashed;
        const entry = await cache.get(hash);
        const last = await records.get('hash', id);
        const changes = last?.hash === hash ? [] : explainChanges(last?.inputs, inputs, ignored, linkedFrom);
        const { unhashed, inferred } = hasher.environment(workspace.registry.commands.get(id)!);
        found.push({ id, targets: targetKeys(workspace.config, workspace.registry.commands.get(id)!), hash, cache: entry ? 'hit' : 'miss', cachedAt: entry?.meta.createdAt ?? null, inputs, ignoredByGit: ignored, linkedFrom, linksOutside, envUnhashed: unhashed, ...(inferred ? { envInferred: inferred } : {}), last: last ? { hash: last.hash } : null, changes });
      }
      return found;
    });
    if (!reports) {
      io.stderr('orch: interrupted; the !`cmd` lines were stopped\n');
      return ExitCode.interrupted;
    }
    if (values.json) {
      io.stdout(`${terminalJson(reports)}\n`);
      return ExitCode.ok;
    }
    for (const report of reports) io.stdout(renderReport(report));
    return ExitCode.ok;
  },
};

interface ExplainReport {
  id: string;
  /** The config's `targets` entries that configure it: `build`, then `web#build` over it. */
  targets: string[];
  hash: string;
  cache: 'hit' | 'miss';
  cachedAt: string | null;
  inputs: HashInputs;
  ignoredByGit: string[];
  /** Files read through a symbolic link among the inputs → the link. */
  linkedFrom: Record<string, string>;
  /** Links among the inputs that lead outside the workspace → their target (not hashed). */
  linksOutside: Record<string, string>;
  /** Variable patterns the task sees without their values in the hash. */
  envUnhashed: string[];
  /** The framework whose variables the task sees and hashes undeclared, its patterns and the names that matched. */
  envInferred?: { framework: string; patterns: string[]; names: string[] };
  last: { hash: string } | null;
  changes: string[];
}

/** The `targets` keys that configure a package script: its script's, then its own `pkg#script`. */
function targetKeys(config: ResolvedConfig, command: CommandDefinition): string[] {
  if (command.kind !== 'script' || !command.project || !command.target) return [];
  return [command.target, `${command.project}#${command.target}`].filter((key) => Object.hasOwn(config.targets, key));
}

/** A content id for people: the blob's first 12 characters, and git's mode when it is not a plain file's (`3b18e512dead (100755)`). */
function shortId(id: string): string {
  const [mode, blob] = id.split(' ');
  if (blob === undefined) return id.slice(0, 12);
  return mode === '100644' ? blob.slice(0, 12) : `${blob.slice(0, 12)} (${mode})`;
}

/** One task's report as text: the hash, each input, and what changed since the last run. */
function renderReport(report: ExplainReport): string {
  const { inputs } = report;
  const ignored = new Set(report.ignoredByGit);
  // Files git ignores first: they are the ones a reader would not expect.
  const files = Object.entries(inputs.files).sort(([a], [b]) => Number(ignored.has(b)) - Number(ignored.has(a)));
  const dependencyCount = Object.keys(inputs.dependencies).length;
  const lines = [
    report.id,
    `  hash:          ${report.hash.slice(0, 16)}  cache ${report.cache}${report.cachedAt ? ` (stored ${report.cachedAt})` : ''}`,
    `  inputs:        ${files.length} file${files.length === 1 ? '' : 's'}${ignored.size > 0 ? ` (${ignored.size} ignored by git)` : ''}, ${Object.keys(inputs.env).length} env, ${dependencyCount} dependenc${dependencyCount === 1 ? 'y' : 'ies'}${inputs.lockfile ? ', lockfile closures' : ''}, orch ${inputs.orch}`,
    ...Object.entries(inputs.definition).map(([part, id]) => `  definition:    ${part} ${shortId(id)}`),
    ...(report.targets.length > 0 ? [`  target:        ${report.targets.map((key) => `targets['${key}']`).join(', with ')}${report.targets.length > 1 ? ' over it' : ''} (its settings are in the definition)`] : []),
    ...Object.entries(inputs.config ?? {}).map(([setting, id]) => `  config:        ${setting} ${id.slice(0, 12)}`),
    ...files.slice(0, 20).map(([path, id]) => `  file:          ${path} ${shortId(id)}${ignored.has(path) ? ' (ignored by git)' : ''}${report.linkedFrom[path] ? ` (through the link ${report.linkedFrom[path]})` : ''}`),
    ...(files.length > 20 ? [`  file:          … ${files.length - 20} more (--json lists all)`] : []),
    `  env mode:      ${inputs.envMode === 'strict' ? 'strict (the task sees the base set and what is declared)' : 'loose (the task sees everything; all but volatile and pass-through variables hashed)'}`,
    ...Object.entries(inputs.env).map(([name, value]) => `  env:           ${name} ${value === null ? '(unset)' : `${value.slice(0, 12)} (value hashed)`}`),
    ...(report.envInferred ? [`  framework:     ${report.envInferred.framework}: ${report.envInferred.patterns.join(', ')} seen and hashed (inferred${report.envInferred.names.length > 0 ? `: ${report.envInferred.names.join(', ')}` : ', none set'}; --framework-inference=false turns it off)`] : []),
    ...(report.envUnhashed.length > 0 ? [`  unhashed env:  ${report.envUnhashed.join(', ')} (seen, not hashed)`] : []),
    ...Object.entries(inputs.dependencies).map(([dep, id]) => `  dependency:    ${dep} ${id.slice(0, 12)}`),
    ...Object.entries(inputs.transit ?? {}).map(([name, id]) => `  transit:       ${name} ${id.slice(0, 12)} (no ${report.id.split('#')[1]} script: ^${report.id.split('#')[1]} passes through it)`),
    ...Object.entries(inputs.workspaceDependencies ?? {}).map(([name, folder]) => `  workspace:     ${name} -> ${folder}`),
    ...Object.entries(typeof inputs.lockfile === 'object' ? inputs.lockfile : {}).map(([key, id]) => `  lockfile:      ${key} ${id.slice(0, 12)}`),
    ...(report.inputs.args.length > 0 ? [`  arguments:     ${report.inputs.args.join(' ')}`] : []),
    ...Object.entries(report.linksOutside).map(([link, target]) => `  warning:       ${link} links outside the workspace (${target}): what it leads to is not hashed; copy it into the workspace, or declare what it depends on in env`),
    report.last === null
      ? '  last run:      none recorded'
      : report.changes.length === 0
        ? `  last run:      same hash (${report.last.hash.slice(0, 16)}): nothing changed`
        : `  last run:      hash ${report.last.hash.slice(0, 16)}; since then:`,
    ...report.changes.filter((c) => c !== 'no previous run recorded').map((change) => `    ${change}`),
  ];
  // Each line escaped whole: a file name may hold a line break.
  return `${lines.map((line) => terminalText(line, { oneLine: true })).join('\n')}\n`;
}
