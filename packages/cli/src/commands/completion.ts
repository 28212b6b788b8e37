import { didYouMean, OrchError } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion/completionScript.js';
import { listOf, parseCommandLine } from '../parseCommandLine.js';

export const completionCommand: CliCommand = {
  name: 'completion',
  usage: 'orch completion <bash|zsh|fish>',
  description:
    "Prints a shell completion script: it completes orch's commands, each command's options and their values, and the workspace's command ids and targets (read when you press Tab, through a hidden `orch __complete`). Load it with `source <(orch completion bash)` (zsh alike) or `orch completion fish | source`, or save it where your shell loads completions (see the script's first lines).",
  options: {},
  operands: COMPLETION_SHELLS,
  examples: [
    'source <(orch completion bash)      # in ~/.bashrc',
    'source <(orch completion zsh)       # in ~/.zshrc, after compinit',
    'orch completion fish > ~/.config/fish/completions/orch.fish',
  ],
  async run(argv, io) {
    const { positionals } = parseCommandLine(argv, this.options);
    const [shell, ...extra] = positionals;
    if (shell === undefined || !(COMPLETION_SHELLS as readonly string[]).includes(shell) || extra.length > 0) {
      throw new OrchError('usage', shell === undefined ? `orch completion needs a shell: ${listOf(COMPLETION_SHELLS)}` : `orch completion ${positionals.join(' ')}: expected ${listOf(COMPLETION_SHELLS)}`, {
        hint: (shell && didYouMean(shell, COMPLETION_SHELLS)) || 'e.g. source <(orch completion bash)',
      });
    }
    io.stdout(completionScript(shell as CompletionShell));
    return 0;
  },
};
