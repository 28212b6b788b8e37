import type { Diagnostic } from './Diagnostic.js';

/** What a run reads: its tasks, the agents they use, and every file that defines them. */
export interface RunScope {
  /** Ids of the tasks the run executes (the requested ones and their dependencies). */
  commands: ReadonlySet<string>;
  /** Agent roles those tasks use. */
  agents: ReadonlySet<string>;
  /** Absolute paths of the files that define them: command files, their `@` includes, agent files. */
  files: ReadonlySet<string>;
  /** The config file, whose errors stop every run. */
  configFile?: string;
}

/**
 * Whether a diagnostic stops a run of `scope` (issue 12, part 1: one bad file blocks only
 * itself): an error that `touchesRun`.
 */
export function blocksRun(diagnostic: Diagnostic, scope: RunScope): boolean {
  return diagnostic.severity === 'error' && touchesRun(diagnostic, scope);
}

/**
 * Whether a diagnostic is about what a run of `scope` reads: one owned by the config, by a
 * command of the run or by an agent it uses; without an owner, one in the config file or in a
 * file of the run; and one with no place at all, since nothing says it is elsewhere. `orch show`
 * prints these, warnings included.
 */
export function touchesRun(diagnostic: Diagnostic, scope: RunScope): boolean {
  const { owner } = diagnostic;
  if (owner) {
    switch (owner.kind) {
      case 'config':
        return true;
      case 'command':
        return scope.commands.has(owner.id);
      case 'agent':
        return scope.agents.has(owner.name);
    }
  }
  const file = diagnostic.location?.file;
  return file === undefined || file === scope.configFile || scope.files.has(file);
}
