import { didYouMean, isOrchError, OrchError } from '@orch/engine';
import type { CliCommand, CliIO } from './CliCommand.js';

/**
 * `orch build`: a first word that is not one of orch's commands runs like `orch run build`, as
 * `turbo build` runs `turbo run build` (issue 15, part 2). A word that names nothing in the
 * workspace either is an unknown command whose "did you mean" covers both orch's commands
 * (`valdate` → `validate`) and the workspace's names (`biuld` → `build`). The workspace is
 * opened once, by `orch run` itself: the word is only reinterpreted when `run` cannot resolve it.
 */
export async function runTargetShorthand(run: CliCommand, argv: readonly string[], subcommands: readonly string[], io: CliIO): Promise<number> {
  const [word] = argv;
  try {
    return await run.run(argv, io);
  } catch (error) {
    if (!isOrchError(error, 'command-not-found') || error.message !== `unknown command '${word}'`) throw error;
    throw new OrchError('command-not-found', error.message, { hint: combinedHint(word!, subcommands, error.hint) });
  }
}

/**
 * The closest of orch's commands, with `run`'s suggestion among the workspace's names when it
 * has one; else `run`'s hint (why no package has such a script), with orch's commands named
 * beside the workspace's.
 */
function combinedHint(word: string, subcommands: readonly string[], workspaceHint = ''): string {
  const command = didYouMean(word, subcommands);
  if (command) return workspaceHint.startsWith('did you mean') ? `${command}\n  in this workspace: ${workspaceHint}` : command;
  const everything = "`orch --help` shows orch's commands, `orch list` this workspace's commands and targets";
  return workspaceHint.replace('run `orch list` to see every command', everything) || everything;
}
