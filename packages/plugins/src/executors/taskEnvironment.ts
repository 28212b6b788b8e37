import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ORCH_VERSION, type Engine, type EngineOutput, type TaskContext } from '@orch/engine';
import { envPolicy, inheritedEnvironment, selectTaskEnvironment } from '../environment/selectTaskEnvironment.js';
import { RUN_ID } from '../process/detachedProcesses.js';

/** Where a task runs: its package folder for package scripts, else the workspace root. */
export function taskDirectory(task: Pick<TaskContext, 'command' | 'root'>): string {
  return task.command.kind === 'script' ? dirname(task.command.location.file) : task.root;
}

export interface TaskEnvironmentOptions {
  /** Patterns the executor itself needs passed through (an agent CLI's credentials); never hashed. */
  passThrough?: readonly string[];
  /** Fixed values the executor adds (config `agent.env`). */
  extra?: Readonly<Record<string, string>>;
}

/**
 * The environment a task runs with: what its environment mode lets it see of orch's own
 * (`selectTaskEnvironment`, the same selection its hash is computed from), then what orch sets:
 * the environment `npm run` would give a package script, without spawning npm
 * (`node_modules/.bin` of every folder from the package up to the root first on PATH, the usual
 * `npm_*` variables, `INIT_CWD`), `ORCH_TASK`, `ORCH_RUN_ID` (this orch process's mark, by which
 * what a task leaves running outside its process group is found), and the terminal's colour settings.
 */
export function taskEnvironment(engine: Engine, task: Pick<TaskContext, 'id' | 'command' | 'root'>, cwd: string, options: TaskEnvironmentOptions = {}): Record<string, string> {
  const { visible } = selectTaskEnvironment(inheritedEnvironment(), envPolicy(task.command.metadata, engine.config, options.passThrough));
  const bins: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    bins.push(join(dir, 'node_modules', '.bin'));
    if (dir === task.root || dirname(dir) === dir) break;
  }
  const env: Record<string, string> = {
    ...visible,
    ...options.extra,
    PATH: [...bins, dirname(process.execPath), visible.PATH ?? ''].join(delimiter),
    INIT_CWD: process.cwd(),
    ORCH_TASK: task.id,
    ORCH_RUN_ID: RUN_ID,
    npm_node_execpath: process.execPath,
    npm_config_user_agent: `orch/${ORCH_VERSION} node/${process.version} ${process.platform} ${process.arch}`,
  };
  if (task.command.kind === 'script') Object.assign(env, packageScriptVariables(task, cwd));
  applyTerminal(env, engine.output);
  return env;
}

/** `npm_package_*` and `npm_lifecycle_*`, as npm sets them for a script. */
function packageScriptVariables(task: Pick<TaskContext, 'command'>, cwd: string): Record<string, string> {
  const env: Record<string, string> = { npm_lifecycle_event: task.command.target ?? '', npm_command: 'run-script' };
  const script = task.command.steps.find((step) => step.name === task.command.target)?.run;
  if (script !== undefined) env.npm_lifecycle_script = script;
  const manifest = join(cwd, 'package.json');
  if (!existsSync(manifest)) return env;
  try {
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    env.npm_package_json = manifest;
    if (json.name) env.npm_package_name = json.name;
    if (json.version) env.npm_package_version = json.version;
  } catch {
    // the workspace source reports a broken package.json
  }
  return env;
}

/**
 * Tasks write to a pipe, so colour libraries (chalk, supports-color, Node's own) turn colour off.
 * When orch's output is a colour terminal they get `FORCE_COLOR` at its level and `COLUMNS`, as
 * Nx and Wireit give them; `NO_COLOR` or `--no-color` win: `NO_COLOR` is set and `FORCE_COLOR`
 * removed (supports-color reads `FORCE_COLOR` before `NO_COLOR`).
 */
function applyTerminal(env: Record<string, string>, output: EngineOutput): void {
  if (output.noColor) {
    delete env.FORCE_COLOR;
    env.NO_COLOR ||= '1';
  } else if (output.terminal) {
    env.FORCE_COLOR = String(output.terminal.colorLevel);
    env.COLUMNS = String(output.terminal.columns);
  }
}

/** Quotes an argument for `sh`. */
export function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}
