import { ExitCode, OrchError } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { resolveNames } from '../resolveNames.js';
import { workspaceCache } from '../taskHasher.js';
import { applyEnvModeFlag } from '../runOptions.js';

/** One labelled line per item, the first 20, then how many more there are. */
function listed(label: string, items: readonly string[]): string[] {
  const shown = items.length > 20 ? [...items.slice(0, 20), `… ${items.length - 20} more (--json lists all)`] : items;
  return shown.map((item) => `  ${`${label}:`.padEnd(15)}${item}`);
}

export const explainCommand: CliCommand = {
  name: 'explain',
  usage: 'orch explain <task>... [--json] [--env-mode=strict|loose] [-- args]',
  description: "Shows what a task's hash is made of, whether the cache has it, and what changed since its last run: why it will run or come from the cache.",
  options: { json: { type: 'boolean' }, 'env-mode': { type: 'string' } },
  examples: ['orch explain web#build', 'orch explain build --json', 'orch explain quality/verify -- src/', 'orch explain web#build --env-mode=loose   # as `orch run --env-mode=loose` would hash it'],
  async run(argv, io) {
    const { values, positionals, passthrough } = parseCommandLine(argv, this.options);
    if (positionals.length === 0) throw new OrchError('usage', 'name a task to explain', { hint: 'e.g. orch explain web#build' });
    const workspace = await openWorkspace(io.cwd);
    applyEnvModeFlag(workspace.config, values);
    const ids = await resolveNames(workspace, positionals, io);
    const { hasher, cache, records } = await workspaceCache(workspace);
    const { explainChanges } = await import('@orch/plugins');
    const reports = [];
    for (const id of ids) {
      if (passthrough.length > 0) hasher.args.set(id, passthrough);
      const { hash, inputs } = await hasher.hash(id);
      const entry = await cache.get(hash);
      const last = await records.read(id);
      const changes = last?.hash === hash ? [] : explainChanges(last?.inputs, inputs);
      const { unhashed } = hasher.environment(workspace.registry.commands.get(id)!);
      reports.push({ id, hash, cache: entry ? 'hit' : 'miss', cachedAt: entry?.meta.createdAt ?? null, inputs, envUnhashed: unhashed, last: last ? { hash: last.hash } : null, changes });
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
      return ExitCode.ok;
    }
    for (const report of reports) {
      const files = Object.entries(report.inputs.files);
      const lines = [
        report.id,
        `  hash:          ${report.hash.slice(0, 16)}  cache ${report.cache}${report.cachedAt ? ` (stored ${report.cachedAt})` : ''}`,
        `  inputs:        ${files.length} file${files.length === 1 ? '' : 's'}, ${Object.keys(report.inputs.env).length} env, ${Object.keys(report.inputs.dependencies).length} dependenc${Object.keys(report.inputs.dependencies).length === 1 ? 'y' : 'ies'}${report.inputs.lockfile ? ', lockfile entries' : ''}, orch ${report.inputs.orch}`,
        ...Object.entries(report.inputs.definition).map(([part, id]) => `  definition:    ${part} ${id.slice(0, 12)}`),
        ...listed('file', files.map(([path, id]) => `${path} ${id.slice(0, 12)}`)),
        `  env mode:      ${report.inputs.envMode === 'strict' ? 'strict (the task sees the base set and what is declared)' : 'loose (the task sees everything; all but volatile and pass-through variables hashed)'}`,
        ...listed('env', Object.entries(report.inputs.env).map(([name, value]) => `${name} ${value === null ? '(unset)' : `${value.slice(0, 12)} (value hashed)`}`)),
        ...(report.envUnhashed.length > 0 ? [`  unhashed env:  ${report.envUnhashed.join(', ')} (seen, not hashed)`] : []),
        ...Object.entries(report.inputs.dependencies).map(([dep, id]) => `  dependency:    ${dep} ${id.slice(0, 12)}`),
        ...(report.inputs.args.length > 0 ? [`  arguments:     ${report.inputs.args.join(' ')}`] : []),
        report.last === null
          ? '  last run:      none recorded'
          : report.changes.length === 0
            ? `  last run:      same hash (${report.last.hash.slice(0, 16)}): nothing changed`
            : `  last run:      hash ${report.last.hash.slice(0, 16)}; since then:`,
        ...report.changes.filter((c) => c !== 'no previous run recorded').map((change) => `    ${change}`),
      ];
      io.stdout(`${lines.join('\n')}\n`);
    }
    return ExitCode.ok;
  },
};
