import type { CommandDefinition } from './CommandDefinition.js';
import type { ResolveOptions } from './resolveCommand.js';

/**
 * Markdown commands that their own name does not reach: with folder-first resolution, `x.md`
 * beside a folder `x/` with a default entry, mapped to the entry `x` runs instead
 * (`deploy` → `deploy/execute`). Empty with `file-first`, where `x` is the file and the entry
 * keeps its own id. A skill (`.claude/skills/deploy/SKILL.md`) is never shadowed: it wins. `orch list` and `orch validate` flag these with how to reach them.
 */
export function shadowedCommands(commands: ReadonlyMap<string, CommandDefinition>, options: ResolveOptions = {}): Map<string, string> {
  const shadowed = new Map<string, string>();
  if (options.resolution === 'file-first') return shadowed;
  const entry = options.defaultEntry ?? 'execute';
  for (const command of commands.values()) {
    const folderDefault = `${command.id}/${entry}`;
    // A skill is never hidden: Claude Code's `/deploy` is the skill, whatever folder shares its name.
    if (command.kind === 'markdown' && command.layout?.form !== 'skill' && commands.has(folderDefault)) shadowed.set(command.id, folderDefault);
  }
  return shadowed;
}
