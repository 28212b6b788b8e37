import { closestMatches, OrchError } from '@orch/engine';
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
      const supported = `orch has completion scripts for ${COMPLETION_SHELLS.slice(0, -1).join(', ')} and ${COMPLETION_SHELLS.at(-1)}`;
      // Three short names are all "close" to any other shell's (tcsh, ksh): a guess only when one stands out (FINDINGS-15 #17h).
      const close = shell === undefined ? [] : closestMatches(shell, COMPLETION_SHELLS);
      throw new OrchError('usage', shell === undefined ? `orch completion needs a shell: ${listOf(COMPLETION_SHELLS)}` : `orch completion ${positionals.join(' ')}: ${extra.length > 0 ? 'name one shell' : `no script for ${shell}`}; ${supported}`, {
        hint: close.length === 1 ? `did you mean '${close[0]}'?` : 'e.g. source <(orch completion bash)',
      });
    }
    io.stdout(completionScript(shell as CompletionShell));
    return 0;
  },
};
