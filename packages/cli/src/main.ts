import { readFileSync } from 'node:fs';
import type { CliCommand, CliIO, CommandEntry } from './CliCommand.js';
import type { CliOption } from './parseCommandLine.js';
import { GLOBAL_OPTIONS, globalOptionError, takeGlobalOptions } from './globalOptions.js';
import { importOnce, reportErrorModule } from './lazyModules.js';

/** Subcommands, loaded lazily: `orch --version` loads none of them (exported for tests of every help page). */
export const COMMANDS: Record<string, CommandEntry> = {
  run: { summary: 'run commands, package targets or workflows and everything they depend on', load: importOnce(async () => (await import('./commands/run.js')).runCommand) },
  watch: { summary: 'run, then re-run what each file change reaches (debounced); persistent dev servers kept running; Ctrl-C ends it', load: importOnce(async () => (await import('./commands/watch.js')).watchCommand) },
  affected: { summary: 'run targets only where a git change reaches; --list says what and why', load: importOnce(async () => (await import('./commands/affected.js')).affectedCommand) },
  resume: { summary: 'continue an interrupted, failed or paused session where it stopped', load: importOnce(async () => (await import('./commands/resume.js')).resumeCommand) },
  status: { summary: "a session's dashboard: what runs, counts, time left, cache, CPU and memory, agents, gates, what waits (--watch)", load: importOnce(async () => (await import('./commands/status.js')).statusCommand) },
  metrics: { summary: 'execution history: per task p50/p95 duration, cache hit rate, failures, flaky and slowest tasks, critical paths', load: importOnce(async () => (await import('./commands/metrics.js')).metricsCommand) },
  sessions: { summary: 'list sessions and their status; `sessions show <id>` prints a timeline', load: importOnce(async () => (await import('./commands/sessions.js')).sessionsCommand) },
  explain: { summary: "why a task runs or comes from the cache: its hash's inputs and what changed", load: importOnce(async () => (await import('./commands/explain.js')).explainCommand) },
  cache: { summary: 'local cache: stats, or clean [--older-than 7d]', load: importOnce(async () => (await import('./commands/cache.js')).cacheCommand) },
  list: { summary: 'list every command orch knows', load: importOnce(async () => (await import('./commands/list.js')).listCommand) },
  show: { summary: 'show one command: file, metadata, dependencies, prompt or steps', load: importOnce(async () => (await import('./commands/show.js')).showCommand) },
  validate: { summary: 'report every problem in config and command definitions', load: importOnce(async () => (await import('./commands/validate.js')).validateCommand) },
  report: { summary: "write a session's run as one HTML file: graph, timeline, each task's outcome and log", load: importOnce(async () => (await import('./commands/report.js')).reportCommand) },
  graph: { summary: 'print the task graph (text, --json, --dot, --mermaid), or write it as HTML (--html)', load: importOnce(async () => (await import('./commands/graph.js')).graphCommand) },
  logs: { summary: "print a task's whole log from the newest run of it (a cache hit's replayed log too)", load: importOnce(async () => (await import('./commands/logs.js')).logsCommand) },
  worker: { summary: 'run tasks of distributed runs (orch run --distribute) from a Redis queue in this checkout', load: importOnce(async () => (await import('./commands/worker.js')).workerCommand) },
  init: { summary: 'set orch up here: detect the package manager and workspace, write orchestrator.config.ts with targets from the scripts, add .orch/ to .gitignore', load: importOnce(async () => (await import('./commands/init.js')).initCommand) },
  daemon: { summary: "the workspace's daemon: status, start, stop, restart (a warm orch that serves full cache hits, affected, list and validate)", load: importOnce(async () => (await import('./commands/daemon.js')).daemonCommand) },
  completion: { summary: 'print a completion script for bash, zsh or fish: commands, options, command ids and targets', load: importOnce(async () => (await import('./commands/completion.js')).completionCommand) },
};

/** Set by the bundler when it builds the `orch` binary (scripts/setup.mjs). */
declare const __ORCH_VERSION__: string | undefined;

export function version(): string {
  if (typeof __ORCH_VERSION__ === 'string') return __ORCH_VERSION__;
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * `orch --version --json`: orch's version and what it runs on, for bug reports and scripts
 * (`nx report`, `turbo --version` beside `node -p process.versions`). `node` is Node.js's version.
 */
// Plain strings, not NodeJS.Platform: a public type, and a user's types need not include @types/node.
export function versionInfo(): { version: string; node: string; platform: string; arch: string } {
  return { version: version(), node: process.versions.node, platform: process.platform, arch: process.arch };
}

/**
 * `orch build`, `orch build --help`: a word that is not a command is run as `orch run <word>`
 * (`runTargetShorthand`), or it is an unknown command.
 */
async function runShorthand(argv: readonly string[], help: boolean, io: CliIO): Promise<number> {
  const run = await COMMANDS.run!.load();
  if (help) {
    io.stdout(await commandHelp(run));
    return 0;
  }
  const [{ reportError }, { runTargetShorthand }] = await Promise.all([reportErrorModule(), import('./targetShorthand.js')]);
  try {
    return await runTargetShorthand(run, argv, Object.keys(COMMANDS), io);
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * `orch __complete -- <words>`, the callback of `orch completion`'s scripts: the candidates, one
 * a line. Nothing else reaches stdout meanwhile (a config that prints), as the shell shows all of
 * it as choices; the scripts send stderr to /dev/null.
 */
async function complete(words: readonly string[], io: CliIO): Promise<number> {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  let candidates: string[] = [];
  try {
    const { completionCandidates } = await import('./completionCandidates.js');
    candidates = await completionCandidates(words, COMMANDS, io.cwd);
  } catch {
    // No candidates rather than an error in the middle of the user's prompt.
  } finally {
    process.stdout.write = write;
  }
  io.stdout(candidates.map((candidate) => `${candidate}\n`).join(''));
  return 0;
}

/**
 * `orch --help`: rendered by commander from the subcommands' summaries here and orch's own
 * options, without loading any subcommand's module (commander itself is loaded only for help and
 * parsing: `orch --version` stays instant).
 */
async function mainHelp(): Promise<string> {
  const { commanderCommand } = await import('./commanderCommand.js');
  const program = commanderCommand('orch', {}, {
    usage: 'orch [options] <command> [command options]',
    description: 'orch: command orchestration for repositories and monorepos',
    positionals: false,
    group: { heading: 'Options (before or after the command):', options: GLOBAL_OPTIONS },
  });
  for (const [name, { summary }] of Object.entries(COMMANDS)) program.command(name).description(summary);
  program.command('<target>').description('a name that is not one of these commands runs like `orch run <target>` (as `turbo build` does)');
  program.command('help').argument('[command]').description('help for a command (as orch <command> --help)');
  return [
    program.helpInformation(),
    'Examples:',
    '  orch build                     same as orch run build',
    '  orch run build                 `build` in every package, in dependency order, in parallel',
    '  orch run ci --continue         a workflow; keep going past failures where possible',
    '  orch affected -t test --base origin/main   only what the change reaches (--list: what and why)',
    '  orch resume                    finish the newest interrupted or paused session',
    '  orch run quality/verify -- src run a markdown command with arguments',
    '  orch list                      every command, from .claude/commands, package scripts and the config',
    '  orch show milestone/plan       what a command is and what it depends on',
    '  orch validate                  all problems at once; exit 2 if any error',
    '  orch graph build --mermaid     the graph of `build` in every package',
    '  orch report --out report.html  the newest session as a page: graph, timeline, logs',
    '  orch status --watch            watch a run from another terminal',
    '  orch metrics --since 24h       how long each task takes, how often it hits the cache or fails',
    '',
    'Exit codes: 0 ok, 1 a task failed, 2 usage or config error, 70 internal error, 75 paused for intervention (orch resume), 130 interrupted.',
    '',
  ].join('\n');
}

/** `orch <command> --help`, loaded when asked for. */
async function commandHelp(command: CliCommand): Promise<string> {
  return (await import('./render/commandHelp.js')).commandHelp(command);
}

/** Reports a usage error found before any command ran; returns its exit code (2). */
async function usageError(error: Error | Promise<Error>, io: CliIO): Promise<number> {
  const { reportError } = await reportErrorModule();
  return reportError(await error, io);
}

/** Words after something that takes none (`orch --version extra`, `orch help run extra`). */
async function extraWords(what: string, words: readonly string[], example: string): Promise<Error> {
  const { OrchError } = await import('@orch/engine');
  return new OrchError('usage', `${what} takes nothing more, not '${words.join(' ')}'`, { hint: `e.g. ${example}` });
}

/** `orch help nonexist`: an unknown command, as `orch nonexist` would be, rather than the general help (FINDINGS-15 #17a). */
async function unknownHelpTopic(topic: string): Promise<Error> {
  const { didYouMean, OrchError } = await import('@orch/engine');
  return new OrchError('command-not-found', `unknown command '${topic}'`, {
    hint: didYouMean(topic, Object.keys(COMMANDS)) ?? "`orch --help` lists orch's commands; a target's help is run's (`orch run --help`)",
  });
}

/** The commands that take an option (`-F`: run, watch, affected...), for an option put before the command. */
async function commandsTaking(flag: string): Promise<{ commands: string[]; option?: CliOption }> {
  const taking: { commands: string[]; option?: CliOption } = { commands: [] };
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const { options } = await entry.load();
    const option = Object.entries(options).find(([long, each]) => flag === `--${long}` || (each.short !== undefined && flag === `-${each.short}`))?.[1];
    if (!option) continue;
    taking.commands.push(name);
    taking.option ??= option;
  }
  return taking;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv[0] === '__complete') return complete(argv.slice(argv[1] === '--' ? 2 : 1), io);
  const taken = takeGlobalOptions(argv, io);
  if (taken.version && taken.rest.length === 1 && taken.rest[0] === '--json') {
    io.stdout(`${JSON.stringify(versionInfo(), null, 2)}\n`);
    return 0;
  }
  if (taken.problem) return usageError(globalOptionError(taken.problem, commandsTaking), io);
  const [first, ...rest] = taken.rest;
  if (taken.version) {
    // `orch --version extra`: said, not ignored (FINDINGS-15 #17b); `orch run --version` is orch's version, as `orch run --help` is run's help.
    if (first !== undefined && !Object.hasOwn(COMMANDS, first)) return usageError(extraWords('--version', taken.rest, 'orch --version, or orch --version --json'), io);
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (first === undefined || first === '--' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) return usageError(unknownHelpTopic(topic), io);
    if (first === 'help' && rest.length > 1) return usageError(extraWords(`help ${topic}`, rest.slice(1), `orch help ${topic}`), io);
    io.stdout(topic ? await commandHelp(await COMMANDS[topic]!.load()) : await mainHelp());
    return first === undefined && !taken.help ? 2 : 0;
  }
  // `orch constructor` is not `Object`'s: like any word that is not a command, it is a name to run.
  const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!entry) return runShorthand(taken.rest, taken.help, io);
  const command = await entry.load();
  if (taken.help) {
    io.stdout(await commandHelp(command));
    return 0;
  }
  const { reportError } = await reportErrorModule();
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
