import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OrchError, type CommandDefinition } from '@orch/engine';
import { resolveInclude } from '../markdown/includedFiles.js';
import { promptTokens, type PromptToken, type PromptVariable } from '../markdown/promptTokens.js';
import { checkPrompt, promptPlace } from './promptDiagnostics.js';
import { runShellLines, type ShellLineOptions, type ShellOutputs } from './runShellLines.js';

export interface RenderOptions extends ShellLineOptions {
  args: readonly string[];
  /** The number of the first argument for `$N`. Default 0 (`$0` is the first, as in current Claude Code); 1 for older trees. */
  positionalBase?: 0 | 1;
  /** The index of the first argument for `$ARGUMENTS[N]`. Default 0. */
  indexBase?: 0 | 1;
  /** Run the command's `` !`cmd` `` lines. Default true; `orch show --render` passes false unless `--exec`. */
  exec?: boolean;
  /**
   * The lines' outputs, already run (`runShellLines`): a run hashes them and hands them here, so
   * each line runs once and the agent gets the prompt the hash covers.
   */
  outputs?: ShellOutputs;
  /** orch's session id, for `${CLAUDE_SESSION_ID}`; without one (`orch show --render`) it stays as written. */
  sessionId?: string;
}

export interface RenderedPrompt {
  text: string;
  /** What the reader should know: shell lines not run, `@~/` includes that are missing. */
  notes: string[];
}

/**
 * The prompt of a markdown command as the agent will see it, as Claude Code renders a command or
 * skill (code.claude.com/docs/en/skills), in one pass over the command file's own body:
 *
 * - `` !`cmd` `` is the output of that line (`runShellLines`, or `outputs` when given), run only
 *   when `exec`; if `allowed-tools`/`disallowed-tools` refuse any line (`shellPermission`), or
 *   the body holds a NUL, nothing runs and the error names each place (`checkPrompt`);
 * - `@path` is replaced by the file (front matter dropped): next to the command, then at the
 *   root, inside the repository; `@~/path` from the home folder; missing ones stay as written;
 * - `$ARGUMENTS` is every argument, quoted where needed so boundaries survive (`"two words" b`);
 *   `$ARGUMENTS[N]` one (empty when missing); `$N` one, counted from `positionalBase`, and left as
 *   written when there is no such argument (`$100`, SQL `$1`, awk `$0`); `$name` a named argument
 *   (front matter `arguments`); `\$1` is the text `$1`;
 * - `${CLAUDE_SKILL_DIR}` is the command's folder, `${CLAUDE_PLUGIN_ROOT}` its plugin's root and
 *   `${CLAUDE_SESSION_ID}` orch's session id (of the run; as written without one);
 * - with arguments and no argument placeholder, `ARGUMENTS: <args>` is appended.
 *
 * Replacements are never read again: an argument, a file's text or a command's output can never
 * become a shell line, an include or a placeholder. A NUL coming in through an include or a
 * line's output is an error at that place: no agent CLI can be given it.
 */
export async function renderPrompt(command: CommandDefinition, options: RenderOptions): Promise<RenderedPrompt> {
  const names = command.metadata.arguments ?? [];
  const tokens = promptTokens(command.body ?? '', names);
  const notes: string[] = [];
  checkPrompt(command);
  const outputs = options.outputs ?? (options.exec === false ? notRun(command, tokens, options.root, notes) : await runShellLines(command, options));
  let line = 0;

  const { args } = options;
  const positionalBase = options.positionalBase ?? 0;
  const indexBase = options.indexBase ?? 0;
  let usedArguments = false;
  const value = (token: PromptToken): string => {
    switch (token.kind) {
      case 'text':
        return token.text;
      case 'shell':
        return outputs[line++] ?? token.text;
      case 'include':
        return include(command, token, options.root, notes);
      case 'arguments':
        usedArguments = true;
        return joinArguments(args);
      case 'argument-index':
        usedArguments = true;
        return args[token.index - indexBase] ?? '';
      case 'positional': {
        const arg = args[token.number - positionalBase];
        if (arg === undefined) return token.text;
        usedArguments = true;
        return arg;
      }
      case 'named':
        usedArguments = true;
        return args[token.position] ?? '';
      case 'variable':
        return variable(command, token.name, options, notes) ?? token.text;
    }
  };
  let text = tokens.map(value).join('');
  if (!usedArguments && args.length > 0) text = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\nARGUMENTS: ${joinArguments(args)}\n`;
  return { text, notes };
}

/** The value of `${CLAUDE_SKILL_DIR}`, `${CLAUDE_PLUGIN_ROOT}` or `${CLAUDE_SESSION_ID}`, if it has one here. */
function variable(command: CommandDefinition, name: PromptVariable, options: RenderOptions, notes: string[]): string | undefined {
  switch (name) {
    case 'CLAUDE_SKILL_DIR':
      return dirname(command.location.file);
    case 'CLAUDE_PLUGIN_ROOT':
      return command.layout?.plugin?.root;
    case 'CLAUDE_SESSION_ID':
      if (options.sessionId === undefined && !notes.some((note) => note.includes('${CLAUDE_SESSION_ID}'))) notes.push(`\${CLAUDE_SESSION_ID} is left as written: there is no session here (orch run gives it the run's session id)`);
      return options.sessionId;
  }
}

/** Arguments as one line that splits back into the same arguments: `"two words" b`. */
export function joinArguments(args: readonly string[]): string {
  return args.map((arg) => (arg === '' || /[\s"'\\]/.test(arg) ? `"${arg.replace(/["\\]/g, '\\$&')}"` : arg)).join(' ');
}

/** With `exec: false` the lines stay as written, each with a note. */
function notRun(command: CommandDefinition, tokens: PromptToken[], root: string, notes: string[]): ShellOutputs {
  for (const token of tokens) if (token.kind === 'shell') notes.push(`not run: !\`${token.command}\` (${promptPlace(command, token.offset, root)}); add --exec to run it`);
  return [];
}

function include(command: CommandDefinition, token: Extract<PromptToken, { kind: 'include' }>, root: string, notes: string[]): string {
  const target = resolveInclude(token.path, command.location.file, root);
  if (target.kind === 'none') return token.text;
  if (target.kind === 'home' && !target.exists) {
    notes.push(`${command.id}: ${token.text} is not there (${target.file}); left as written`);
    return token.text;
  }
  let text: string;
  try {
    text = readFileSync(target.file, 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '').trimEnd();
  } catch {
    return token.text;
  }
  if (text.includes('\0')) throw new OrchError('prompt-invalid', `${promptPlace(command, token.offset, root)}: ${token.text} includes a file holding a NUL character (${target.file}), which cannot be given to an agent CLI`, { hint: 'remove the NUL from that file, or the include' });
  return text;
}
