import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ExitCode, isOrchError, OrchError, pathKindProblem, type Project } from '@orch/engine';
import writeFileAtomic from 'write-file-atomic';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { detectPackageManager, execCommand } from '../init/detectPackageManager.js';
import { CREATED_WITH, ignoreStateDir } from '../init/ignoreStateDir.js';
import { starterTargets, type StarterTarget } from '../init/starterTargets.js';
import { workspaceKind } from '../init/workspaceKind.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';

const CONFIG_FILE = 'orchestrator.config.ts';
const EXAMPLE_FILE = join('.claude', 'commands', 'hello.md');

const EXAMPLE_COMMAND = `---
description: Say hello (an example command written by orch init)
complexity: simple
run: echo "hello from orch"
---

An example command. \`orch show hello\` shows it; edit or delete it freely.
`;

export const initCommand: CliCommand = {
  name: 'init',
  usage: 'orch init [options]',
  description:
    'Writes orchestrator.config.ts at the repository root with targets for the scripts your packages have (build with dependsOn ^build and its outputs, test, lint, typecheck, dev and start persistent and uncached...), detecting the package manager (packageManager field, lockfile) and the workspace (pnpm-workspace.yaml, package.json workspaces), and adds .orch/ to .gitignore (a .gitignore it creates also ignores node_modules/). Without package scripts it writes an example command (.claude/commands/hello.md). A config already there is never replaced, except orchestrator.config.ts with --force.',
  options: { force: { type: 'boolean', description: 'replace an existing orchestrator.config.ts' } },
  examples: ['orch init', 'orch init --force'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options, false);
    refuseBlocked(io.cwd, [CONFIG_FILE, EXAMPLE_FILE]);
    const { root, projects, existing } = await inspectRepository(io.cwd);
    if (existing && !(values.force && basename(existing) === CONFIG_FILE)) throw existingConfigError(relative(io.cwd, existing) || existing, basename(existing) === CONFIG_FILE);
    refuseBlocked(root, [CONFIG_FILE, EXAMPLE_FILE]);

    const manager = detectPackageManager(root);
    const targets = starterTargets(projects);
    const show = (path: string): string => relative(io.cwd, path) || '.';
    io.stdout(`${describeRepository(root, projects, manager)}\n`);
    await writeFile(join(root, CONFIG_FILE), configText(targets));
    io.stdout(`wrote ${show(join(root, CONFIG_FILE))}${targets.length > 0 ? `: targets ${targets.map((t) => `${t.name} (${t.packages} package${t.packages === 1 ? '' : 's'})`).join(', ')}` : ''}\n`);
    if (targets.length === 0 && !existsSync(join(root, EXAMPLE_FILE))) {
      await writeFile(join(root, EXAMPLE_FILE), EXAMPLE_COMMAND);
      io.stdout(`wrote ${show(join(root, EXAMPLE_FILE))} (an example command: no package has scripts yet)\n`);
    }
    const ignored = await ignoreStateDir(root, '.orch');
    if (ignored !== 'present') io.stdout(`${ignored === 'created' ? `created .gitignore with ${CREATED_WITH.join(', ')} and .orch/` : 'added .orch/ to .gitignore'} (.orch/: sessions, logs and the local cache)\n`);
    io.stdout(nextSteps(targets, manager.name));
    return ExitCode.ok;
  },
};

/** The root orch would use from `cwd`, its packages, and the config already there, if any. */
async function inspectRepository(cwd: string): Promise<{ root: string; projects: Project[]; existing?: string }> {
  try {
    const { config, registry } = await openWorkspace(cwd, undefined, { inspectOnly: true });
    return { root: config.root, projects: [...registry.projects.values()], ...(config.configFile ? { existing: config.configFile } : {}) };
  } catch (error) {
    // A folder that is no repository or workspace yet: init is how one starts.
    if (isOrchError(error, 'config-not-found')) return { root: cwd, projects: [] };
    throw error;
  }
}

function existingConfigError(shown: string, replaceable: boolean): OrchError {
  return new OrchError('file-exists', `${shown} already exists; nothing written`, {
    hint: replaceable ? 'edit it, or run `orch init --force` to replace it' : `edit it, or remove it and run \`orch init\` again (--force replaces only ${CONFIG_FILE})`,
  });
}

/** What is on disk in the way (a folder named like the config, a dangling .claude link): --force cannot fix it, and nothing is half-written. */
function refuseBlocked(base: string, paths: readonly string[]): void {
  const blocked = paths.map((path) => pathKindProblem(join(base, path), 'file', base)).filter((problem) => problem !== undefined);
  if (blocked.length > 0) throw new OrchError('usage', `${blocked.join('; ')}: nothing written`, { hint: 'remove or rename it, then run `orch init` again' });
}

function describeRepository(root: string, projects: readonly Project[], manager: ReturnType<typeof detectPackageManager>): string {
  const kind = workspaceKind(root);
  const packages = kind === undefined ? 'no package.json' : kind === 'single package' ? 'a single package (no workspaces)' : `workspace from ${kind}, ${projects.length} package${projects.length === 1 ? '' : 's'}`;
  return `found ${packages}; package manager ${manager.name} (${manager.source === 'default' ? 'no packageManager field or lockfile: npm assumed' : manager.source})`;
}

async function writeFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}

/** The config as TypeScript, one line per target. */
function configText(targets: readonly StarterTarget[]): string {
  const lines = targets.map((target) => `    ${/^\w+$/.test(target.name) ? target.name : `'${target.name}'`}: ${literal(target.config)},`);
  return `import type { OrchConfig } from '@orch/cli';

// orch configuration, written by \`orch init\`. Every key is optional; the reference is
// docs/configuration.md (shipped in node_modules/@orch/cli/docs/).
export default {
  // Markdown commands live here: .claude/commands/<folder>/<name>.md
  commandsDir: '.claude/commands',
  // Defaults for package scripts of each name, in every workspace package: \`dependsOn: ['^build']\`
  // builds a package's dependencies first; \`outputs\` are what the cache stores and restores.
  targets: {
${lines.length > 0 ? lines.join('\n') : "    // No package has scripts yet. A build, once there is one:\n    // build: { dependsOn: ['^build'], outputs: ['dist/**'] },"}
  },
} satisfies OrchConfig;
`;
}

/** A value as a TypeScript literal in the config's style (single quotes, unquoted keys). */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([key, item]) => `${key}: ${literal(item)}`).join(', ')} }`;
  }
  return typeof value === 'string' ? `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : String(value);
}

function nextSteps(targets: readonly StarterTarget[], manager: ReturnType<typeof detectPackageManager>['name']): string {
  const first = `orch run ${targets.some((t) => t.name === 'build') ? 'build' : (targets[0]?.name ?? 'hello')}`;
  return `next: ${first}   (orch installed as a dev dependency: ${execCommand(manager, first)})\n`;
}
