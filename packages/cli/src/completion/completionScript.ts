/** The shells `orch completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/**
 * The completion script for a shell. Each asks `orch __complete -- <words>` for the
 * candidates, one a line (completionCandidates.ts), with stderr sent to /dev/null so a broken
 * workspace never prints into the prompt; where orch has none (`--cwd <TAB>`), the shell
 * completes file names.
 */
export function completionScript(shell: CompletionShell): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
  }
}

const BASH = `# orch completion for bash. Load it in this shell:  source <(orch completion bash)
# or for every shell:  orch completion bash > ~/.local/share/bash-completion/completions/orch
_orch() {
  local -a words=() candidates=()
  local i typed="\${COMP_LINE:0:COMP_POINT}"
  # The words as typed up to the cursor, as zsh and fish give them: bash's own COMP_WORDS splits
  # them at '=', ':' and '@' too (COMP_WORDBREAKS: --continue=never, ui/ui:check, @scope/web).
  read -ra words <<< "$typed"
  [[ $typed == *[[:space:]] ]] && words+=("")
  words=("\${words[@]:1}")
  local current="\${words[\${#words[@]}-1]}"
  mapfile -t candidates < <(orch __complete -- "\${words[@]}" 2>/dev/null)
  # Readline replaces only what follows the word's last break character ('=' of --continue=,
  # ':' of ui/ui:), or from its last '@' on (a break it keeps in the word: @scope/web): the
  # candidates lose what comes before.
  for ((i = \${#current} - 1; i >= 0; i--)); do
    [[ "$COMP_WORDBREAKS" == *"\${current:i:1}"* ]] && break
  done
  if ((i >= 0)); then
    [[ \${current:i:1} == [@$] ]] || ((i++))
    candidates=("\${candidates[@]/#"\${current:0:i}"}")
  fi
  COMPREPLY=("\${candidates[@]}")
}
complete -o default -F _orch orch
`;

const ZSH = `#compdef orch
# orch completion for zsh. Load it in this shell:  source <(orch completion zsh)
# or save it as _orch in a folder of $fpath:  orch completion zsh > ~/.zfunc/_orch
_orch() {
  local -a candidates
  candidates=("\${(@f)$(orch __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_orch" ]]; then
  _orch "$@"
else
  compdef _orch orch
fi
`;

const FISH = `# orch completion for fish. Load it in this shell:  orch completion fish | source
# or for every shell:  orch completion fish > ~/.config/fish/completions/orch.fish
function __orch_complete
    set -l typed (commandline -opc)
    set -l current (commandline -ct)
    orch __complete -- $typed[2..-1] "$current" 2>/dev/null
end
complete -c orch -f -a '(__orch_complete)'
complete -c orch -l cwd -x -a '(__fish_complete_directories)'
complete -c orch -l config -r -F
`;
