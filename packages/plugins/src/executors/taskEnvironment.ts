import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ORCH_VERSION, type TaskContext } from '@orch/engine';

/** Where a task runs: its package folder for package scripts, else the workspace root. */
export function taskDirectory(task: Pick<TaskContext, 'command' | 'root'>): string {
  return task.command.kind === 'script' ? dirname(task.command.location.file) : task.root;
}

/**
 * The environment a package script expects, as `npm run` gives it, without spawning npm:
 * `node_modules/.bin` of every folder from the package up to the root first on PATH, and the
 * usual `npm_*` variables.
 */
export function taskEnvironment(task: TaskContext, cwd: string): NodeJS.ProcessEnv {
  const bins: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    bins.push(join(dir, 'node_modules', '.bin'));
    if (dir === task.root || dirname(dir) === dir) break;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [...bins, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    INIT_CWD: process.cwd(),
    ORCH_TASK: task.id,
    npm_node_execpath: process.execPath,
    npm_config_user_agent: `orch/${ORCH_VERSION} node/${process.version} ${process.platform} ${process.arch}`,
  };
  const manifest = join(cwd, 'package.json');
  if (task.command.kind === 'script' && existsSync(manifest)) {
    try {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      env.npm_package_json = manifest;
      if (json.name) env.npm_package_name = json.name;
      if (json.version) env.npm_package_version = json.version;
    } catch {
      // the workspace source reports a broken package.json
    }
    env.npm_lifecycle_event = task.command.target;
    env.npm_lifecycle_script = task.command.steps.find((step) => step.name === task.command.target)?.run;
    env.npm_command = 'run-script';
  }
  return env;
}

/** Quotes an argument for `sh`. */
export function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`;
}
