import type { CommandDefinition } from './CommandDefinition.js';

/** Commands Claude Code gives one name: `x:y.md` and `x/y.md` are both `/x:y`. */
export interface ClaudeNameClash {
  /** Claude Code's name, without the `/`: `x:y`. */
  name: string;
  /** The ids, sorted: the one that answers to `x:y` first when there is one. */
  ids: string[];
  /** The id `x:y` and `/x:y` run in orch: the file named exactly so (`x:y.md`), if any. */
  winner?: string;
}

/**
 * Markdown commands whose Claude Code names are the same (every `/` of an id read as `:`):
 * `x:y.md` beside `x/y.md`. orch runs the one named exactly `x:y` for `x:y` and `/x:y` (the name
 * is tried as written first); the other answers to its own id (`x/y`). Without such a file
 * (`a/b:c.md` beside `a:b/c.md`), neither answers to `/a:b:c`. Package ids (`pkg#x`) never clash.
 */
export function claudeNameClashes(commands: ReadonlyMap<string, CommandDefinition>): ClaudeNameClash[] {
  const byName = new Map<string, string[]>();
  for (const command of commands.values()) {
    if (command.kind !== 'markdown' || command.id.includes('#')) continue;
    const name = command.id.replaceAll('/', ':');
    const ids = byName.get(name);
    if (ids) ids.push(command.id);
    else byName.set(name, [command.id]);
  }
  const clashes: ClaudeNameClash[] = [];
  for (const [name, ids] of byName) {
    if (ids.length < 2) continue;
    const winner = ids.find((id) => id === name);
    clashes.push({ name, ids: ids.sort((a, b) => Number(b === winner) - Number(a === winner) || (a < b ? -1 : 1)), ...(winner ? { winner } : {}) });
  }
  return clashes;
}
