import { dirname, relative, sep } from 'node:path';
import type { CommandDefinition } from '@orch/engine';

/**
 * The folder of a skill, relative to the root and `/`-separated (`.claude/skills/review`), or
 * undefined for a command file. Every file in it is part of the skill (its scripts, templates and
 * references, read through `${CLAUDE_SKILL_DIR}` or by name), so the task hash and `orch affected`
 * cover them all.
 */
export function skillFolder(command: Pick<CommandDefinition, 'layout' | 'location'>, root: string): string | undefined {
  if (command.layout?.form !== 'skill') return undefined;
  return relative(root, dirname(command.location.file)).split(sep).join('/');
}
