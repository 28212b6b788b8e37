import type { CommandDefinition } from '@orch/engine';

/**
 * The declared output globs of every package script of each package (relative to its folder;
 * `!` exclusions left out): build products, which the default inputs of the package's scripts
 * leave out and `orch affected` does not count as changes (docs/caching.md). A package's skills
 * run from the root, so theirs are not the package's.
 */
export function packageOutputs(commands: Iterable<CommandDefinition>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const command of commands) {
    if (command.kind !== 'script' || !command.project) continue;
    const globs = (command.metadata.outputs ?? []).filter((glob) => !glob.startsWith('!'));
    found.set(command.project, [...(found.get(command.project) ?? []), ...globs]);
  }
  return found;
}
