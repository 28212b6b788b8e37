import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { promisify } from 'node:util';
import { OrchError, type CommandDefinition } from '@orch/engine';
import { resolveInclude } from '../markdown/includedFiles.js';
import { bodyLocation, promptTokens, type PromptToken, type PromptVariable } from '../markdown/promptTokens.js';
import { shellPermission } from './shellPermission.js';

const run = promisify(execFile);

export interface RenderOptions {
  root: string;
  args: readonly string[];
  /** The number of the first argument for `$N`. Default 0 (`$0` is the first, as in current Claude Code); 1 for older trees. */
  positionalBase?: 0 | 1;
  /** The index of the first argument for `$ARGUMENTS[N]`. Default 0. */
  indexBase?: 0 | 1;
  /** Run the command's `` !`cmd` `` lines. Default true; `orch show --render` passes false unless `--exec`. */
  exec?: boolean;
  signal?: AbortSignal;
  /** The environment `` !`cmd` `` lines run with (the task's). Default: orch's own. */
  env?: Record<string, string>;
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
 * - `` !`cmd` `` runs (in the root, with `sh -c`) only if `allowed-tools` permits that exact
 *   line (see `shellPermission`), and only when `exec`; a refused line is an error at its line;
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
 * become a shell line, an include or a placeholder.
 */
export async function renderPrompt(command: CommandDefinition, options: RenderOptions): Promise<RenderedPrompt> {
  const names = command.metadata.arguments ?? [];
  const tokens = promptTokens(command.body ?? '', names);
  const notes: string[] = [];
  const outputs = await runShellLines(command, tokens, options, notes);

  const { args } = options;
  const positionalBase = options.positionalBase ?? 0;
  const indexBase = options.indexBase ?? 0;
  let usedArguments = false;
  const value = (token: PromptToken): string => {
    switch (token.kind) {
      case 'text':
        return token.text;
      case 'shell':
        return outputs.get(token) ?? token.text;
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

/** Checks every shell line first (one refused line stops the prompt), then runs them all at once. */
async function runShellLines(command: CommandDefinition, tokens: PromptToken[], options: RenderOptions, notes: string[]): Promise<Map<PromptToken, string>> {
  const lines = tokens.filter((token): token is Extract<PromptToken, { kind: 'shell' }> => token.kind === 'shell');
  for (const line of lines) {
    const permission = shellPermission(line.command, command.metadata.allowedTools);
    if (!permission.allowed) {
      throw new OrchError('prompt-invalid', `${where(command, line.offset, options.root)}: the prompt runs \`${line.command}\` with !\`…\`, but ${permission.reason}`, {
        hint: `add Bash(${line.command}) (or a Bash(<prefix> *) rule that covers it) to allowed-tools, or remove the !\`…\` line`,
      });
    }
  }
  const outputs = new Map<PromptToken, string>();
  if (options.exec === false) {
    for (const line of lines) notes.push(`not run: !\`${line.command}\` (${where(command, line.offset, options.root)}); add --exec to run it`);
    return outputs;
  }
  await Promise.all(
    lines.map(async (line) => {
      try {
        const { stdout } = await run('/bin/sh', ['-c', line.command], { cwd: options.root, maxBuffer: 16 * 1024 * 1024, ...(options.signal ? { signal: options.signal } : {}), ...(options.env ? { env: options.env } : {}) });
        outputs.set(line, stdout.trimEnd());
      } catch (error) {
        throw new OrchError('prompt-invalid', `${where(command, line.offset, options.root)}: !\`${line.command}\` failed: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
    }),
  );
  return outputs;
}

function include(command: CommandDefinition, token: Extract<PromptToken, { kind: 'include' }>, root: string, notes: string[]): string {
  const target = resolveInclude(token.path, command.location.file, root);
  if (target.kind === 'none') return token.text;
  if (target.kind === 'home' && !target.exists) {
    notes.push(`${command.id}: ${token.text} is not there (${target.file}); left as written`);
    return token.text;
  }
  try {
    return readFileSync(target.file, 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '').trimEnd();
  } catch {
    return token.text;
  }
}

/** `file:line:col: id` for an offset in the command's body, the file relative to the root. */
function where(command: CommandDefinition, offset: number, root: string): string {
  const { line, column } = bodyLocation(command, offset);
  return `${relative(root, command.location.file)}:${line}:${column}: ${command.id}`;
}
