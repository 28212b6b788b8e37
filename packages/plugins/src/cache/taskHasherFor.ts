import { nameTable, ORCH_VERSION, type CommandDefinition, type Engine, type TaskContext } from '@orch/engine';
import { commandShellLines, runShellLines } from '../agents/runShellLines.js';
import { taskEnvironment } from '../executors/taskEnvironment.js';
import { TaskHasher, type ShellLineRunner } from './TaskHasher.js';

const hashers = new WeakMap<object, TaskHasher>();

/**
 * One hasher per run (per task graph), shared by the plugins that need hashes, and by the agent
 * executor for the outputs of a prompt's `` !`cmd` `` lines (run once, hashed, then rendered).
 * Each task's lines run with its environment and its signal (Ctrl-C, its time limit); a task
 * outside the run (a dependency `--only` checks) has its lines run with its own environment.
 */
export function taskHasherFor(engine: Engine, task: TaskContext): TaskHasher {
  const hasher = graphTaskHasher(engine, task.graph, task);
  if (task.args.length > 0) hasher.args.set(task.id, task.args);
  if (!hasher.shellLineRunners.has(task.id)) hasher.shellLineRunners.set(task.id, taskShellLines(engine, task));
  return hasher;
}

/**
 * The run's hasher for a task graph, made on first use: what `taskHasherFor` hands the tasks,
 * and what the daemon (docs/daemon.md) asks before a run starts whether every task is a cache
 * hit, so the run then hashes nothing again. Prompts' `` !`cmd` `` lines run through
 * `taskHasherFor`'s per-task runners; hashed before, a prompt's lines would run without its task.
 */
export function graphTaskHasher(engine: Engine, graph: TaskContext['graph'], scope: Pick<TaskContext, 'root' | 'stateDir' | 'commands' | 'projects' | 'agents'>): TaskHasher {
  let hasher = hashers.get(graph);
  if (!hasher) {
    hasher = new TaskHasher({
      root: scope.root,
      stateDir: scope.stateDir,
      commands: scope.commands,
      graph,
      agent: engine.config.agent,
      env: engine.config,
      plugins: pluginVersions(engine),
      engine,
      projects: scope.projects,
      globalInputs: engine.config.globalInputs,
      shellLines: commandShellLines(engine, { emit: (event) => engine.emit(event) }),
      ...(engine.config.configFile ? { configFile: engine.config.configFile } : {}),
      agents: scope.agents,
    });
    hashers.set(graph, hasher);
    const written = hasher;
    // A task that ran may have written where a task hashed after it reads (its outputs, or more).
    engine.hooks.event.tap('orch:hash', (event) => {
      if (event.type === 'task-finished' && !event.outcome.cached && event.outcome.status !== 'skipped') written.filesWrittenBy(event.outcome.id);
    });
  }
  return hasher;
}

/** A task's `` !`cmd` `` lines, run as the task: its environment, and its signal when they run. */
function taskShellLines(engine: Engine, task: TaskContext): ShellLineRunner {
  return (command: CommandDefinition) => runShellLines(command, { root: task.root, env: taskEnvironment(engine, task, task.root), signal: task.signal, emit: (event) => engine.emit(event), taskId: task.id });
}

/** Versions of the plugins that take part: built-ins have orch's; others their own, if they say. */
export function pluginVersions(engine: Engine): Record<string, string> {
  const versions: Record<string, string> = nameTable();
  for (const plugin of engine.plugins) versions[plugin.name] = plugin.version ?? (plugin.name.startsWith('orch:') ? ORCH_VERSION : 'unversioned');
  return versions;
}
