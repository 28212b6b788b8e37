import { readFileSync } from 'node:fs';
import type { CliCommand, CliIO } from './CliCommand.js';
import { GLOBAL_OPTIONS, globalOptionError, takeGlobalOptions } from './globalOptions.js';
import { optionHelp } from './render/optionHelp.js';

/** Subcommands, loaded lazily: `orch --version` loads none of them. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  run: { summary: 'run commands, package targets or workflows and everything they depend on', load: async () => (await import('./commands/run.js')).runCommand },
  watch: { summary: 'run, then re-run what each file change reaches (debounced); persistent dev servers kept running; Ctrl-C ends it', load: async () => (await import('./commands/watch.js')).watchCommand },
  affected: { summary: 'run targets only where a git change reaches; --list says what and why', load: async () => (await import('./commands/affected.js')).affectedCommand },
  resume: { summary: 'continue an interrupted, failed or paused session where it stopped', load: async () => (await import('./commands/resume.js')).resumeCommand },
  status: { summary: "a session's dashboard: what runs, counts, time left, cache, CPU and memory, agents, gates, what waits (--watch)", load: async () => (await import('./commands/status.js')).statusCommand },
  metrics: { summary: 'execution history: per task p50/p95 duration, cache hit rate, failures, flaky and slowest tasks, critical paths', load: async () => (await import('./commands/metrics.js')).metricsCommand },
  sessions: { summary: 'list sessions and their status; `sessions show <id>` prints a timeline', load: async () => (await import('./commands/sessions.js')).sessionsCommand },
  explain: { summary: "why a task runs or comes from the cache: its hash's inputs and what changed", load: async () => (await import('./commands/explain.js')).explainCommand },
  cache: { summary: 'local cache: stats, or clean [--older-than 7d]', load: async () => (await import('./commands/cache.js')).cacheCommand },
  list: { summary: 'list every command orch knows', load: async () => (await import('./commands/list.js')).listCommand },
  show: { summary: 'show one command: file, metadata, dependencies, prompt or steps', load: async () => (await import('./commands/show.js')).showCommand },
  validate: { summary: 'report every problem in config and command definitions', load: async () => (await import('./commands/validate.js')).validateCommand },
  report: { summary: "write a session's run as one HTML file: graph, timeline, each task's outcome and log", load: async () => (await import('./commands/report.js')).reportCommand },
  graph: { summary: 'print the task graph (text, --json, --dot, --mermaid), or write it as HTML (--html)', load: async () => (await import('./commands/graph.js')).graphCommand },
  init: { summary: 'write a starter orchestrator.config.ts and an example command', load: async () => (await import('./commands/init.js')).initCommand },
};

/** Set by the bundler when it builds the `orch` binary (scripts/setup.mjs). */
declare const __ORCH_VERSION__: string | undefined;

export function version(): string {
  if (typeof __ORCH_VERSION__ === 'string') return __ORCH_VERSION__;
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'orch: command orchestration for repositories and monorepos',
    '',
    'Usage: orch [options] <command> [command options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Options (before or after the command):',
    ...optionHelp(GLOBAL_OPTIONS),
    '',
    'Examples:',
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

export function commandHelp(command: CliCommand): string {
  const options = optionHelp(command.options);
  return [
    `Usage: ${command.usage}`,
    '',
    command.description,
    '',
    ...(options.length > 0 ? ['Options:', ...options, ''] : []),
    'Global options (before or after the command):',
    ...optionHelp(GLOBAL_OPTIONS),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const taken = takeGlobalOptions(argv, io);
  if (taken.problem) {
    const { reportError } = await import('./render/reportError.js');
    return reportError(await globalOptionError(taken.problem), io);
  }
  const [first, ...rest] = taken.rest;
  if (taken.version) {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (first === undefined || first === '--' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic && Object.hasOwn(COMMANDS, topic)) io.stdout(commandHelp(await COMMANDS[topic]!.load()));
    else io.stdout(mainHelp());
    return first === undefined && !taken.help ? 2 : 0;
  }
  // `orch constructor` is an unknown command, not `Object`'s.
  const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!entry) {
    const { didYouMean } = await import('@orch/engine');
    const hint = didYouMean(first, Object.keys(COMMANDS)) ?? 'run `orch --help` to see the commands';
    io.stderr(`orch: unknown command '${first}'\n  ${hint}\n`);
    return 2;
  }
  const command = await entry.load();
  if (taken.help) {
    io.stdout(commandHelp(command));
    return 0;
  }
  const { reportError } = await import('./render/reportError.js');
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
