import { relative } from 'node:path';
import { OrchError, type CommandDefinition, type Diagnostic } from '@orch/engine';
import { bodyLocation, promptTokens, type PromptToken } from '../markdown/promptTokens.js';
import { isPromptCommand } from './isPromptCommand.js';
import { shellLineHint } from './shellLineHint.js';
import { shellPermission } from './shellPermission.js';

/** A `` !`cmd` `` line of a prompt. */
export type ShellLine = Extract<PromptToken, { kind: 'shell' }>;

/** The `` !`cmd` `` lines of a command's own body, in the order they are written. */
export function shellLines(command: Pick<CommandDefinition, 'body' | 'metadata'>): ShellLine[] {
  return promptTokens(command.body ?? '', command.metadata.arguments).filter((token): token is ShellLine => token.kind === 'shell');
}

/**
 * What stops a markdown prompt before anything of it runs, each an error owned by the command
 * at its `file:line:col` (so `orch validate` reports it and `orch run` refuses that command):
 *
 * - `prompt/shell-line-refused`: every `` !`cmd` `` line that `allowed-tools` and
 *   `disallowed-tools` do not permit (`shellPermission`, the code the renderer runs them by),
 *   with a hint that works (`shellLineHint`);
 * - `prompt/nul-character`: a NUL in the body, which no agent CLI can be given.
 *
 * Commands that are not prompts (`run:` steps, `module`) have none: their body is not rendered.
 */
export function promptDiagnostics(command: CommandDefinition): Diagnostic[] {
  if (!isPromptCommand(command)) return [];
  const owner = { kind: 'command' as const, id: command.id };
  const found: Diagnostic[] = [];
  const tools = { allowed: command.metadata.allowedTools, disallowed: command.metadata.disallowedTools };
  for (const line of shellLines(command)) {
    const permission = shellPermission(line.command, tools);
    if (permission.allowed) continue;
    const location = bodyLocation(command, line.offset);
    found.push({
      severity: 'error',
      code: 'prompt/shell-line-refused',
      message: `${command.id}: the prompt runs \`${line.command}\` with !\`…\`, but ${permission.reason}`,
      location: { ...location, endColumn: (location.column ?? 1) + line.text.length - 1 },
      hint: shellLineHint(line.command, tools, permission.remedy),
      owner,
    });
  }
  const body = command.body ?? '';
  const nul = body.indexOf('\0');
  if (nul >= 0) {
    const count = body.split('\0').length - 1;
    const what = count === 1 ? 'a NUL character' : `${count} NUL characters (the first is here)`;
    found.push({ severity: 'error', code: 'prompt/nul-character', message: `${command.id}: the prompt holds ${what}, which cannot be given to an agent CLI`, location: bodyLocation(command, nul), hint: 'remove it (`tr -d "\\000"`), or write what it stands for as text', owner });
  }
  return found;
}

/** Throws `prompt-invalid` carrying every `promptDiagnostics` error of the command, if it has any. */
export function checkPrompt(command: CommandDefinition): void {
  const problems = promptDiagnostics(command);
  if (problems.length === 0) return;
  throw new OrchError('prompt-invalid', `${command.id}: its prompt cannot be rendered (${problems.length === 1 ? 'the problem' : `the ${problems.length} problems`} above)`, { diagnostics: problems });
}

/** `file:line:col: id` for an offset in a command's body, the file relative to the root: where messages point. */
export function promptPlace(command: CommandDefinition, offset: number, root: string): string {
  const { line, column } = bodyLocation(command, offset);
  return `${relative(root, command.location.file)}:${line}:${column}: ${command.id}`;
}
