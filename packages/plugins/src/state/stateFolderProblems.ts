import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrchError, pathKindProblem, type Diagnostic, type ResolvedConfig } from '@orch/engine';

/** The folders orch writes in under the state folder (`stateDir`), and what it keeps there. */
const STATE_FOLDERS: Readonly<Record<string, string>> = {
  '.': 'its state (stateDir)',
  sessions: 'its session logs',
  logs: "its tasks' logs",
  claims: 'its task claims',
  completed: 'its completion records',
  hashes: 'the hash inputs orch explain reads',
  metrics: 'its run metrics',
  'remote-uploads': 'its pending remote uploads',
};

/**
 * Checks, before a run starts anything, that the state folder can be used (findings R2 #11,
 * #13), so damaged state never fails a task, pauses a run for a person, or ends it in a plugin
 * failure after the tasks ran:
 * - a file (or a dangling link) where orch keeps a folder (`.orch`, `.orch/claims`,
 *   `.orch/metrics`...) is one `OrchError('usage')` naming the path and the fix (exit 2);
 * - `durations.json`, orch's own record of past durations (used only to order tasks), that does
 *   not parse is removed with a warning: the run rebuilds it.
 */
export function stateFolderProblems(config: Pick<ResolvedConfig, 'root' | 'stateDir'>): Diagnostic[] {
  const stateDir = resolve(config.root, config.stateDir);
  // The cache folder is not among them: a cache it cannot write only leaves tasks uncached, each
  // with a warning (docs/caching.md), and never stops a run.
  for (const [name, what] of Object.entries(STATE_FOLDERS)) {
    const problem = pathKindProblem(join(stateDir, name), 'folder', config.root);
    if (problem) throw new OrchError('usage', `${problem}: orch keeps ${what} there; nothing was run`, { hint: 'remove or rename it (orch makes the folder again), or set stateDir in the config to another folder' });
  }
  const durations = join(stateDir, 'durations.json');
  const problem = pathKindProblem(durations, 'file', config.root);
  if (problem) throw new OrchError('usage', `${problem}: orch keeps the durations of past tasks there; nothing was run`, { hint: 'remove or rename it (orch writes the file again)' });
  let why: string | undefined;
  try {
    const parsed = JSON.parse(readFileSync(durations, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) why = 'it is not an object of durations';
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    why = `it does not parse: ${(error as Error).message}`;
  }
  if (why === undefined) return [];
  rmSync(durations, { force: true });
  return [
    {
      severity: 'warning',
      code: 'state/rebuilt',
      message: `${config.stateDir}/durations.json was damaged (${why}); orch removed it and records durations afresh`,
      location: { file: durations },
      hint: 'nothing to do: it only orders tasks by how long they took before (a torn write or a full disk leaves it so)',
    },
  ];
}
