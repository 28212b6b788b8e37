import type { CommandDefinition, SourceLocation } from '@orch/engine';

/** One piece of a markdown command's body, as Claude Code reads it. */
export type PromptToken =
  | { kind: 'text'; text: string }
  /** `` !`cmd` ``: a shell line whose output replaces it. */
  | { kind: 'shell'; text: string; command: string; offset: number }
  /** `@path` or `@~/path`: a file whose content replaces it. */
  | { kind: 'include'; text: string; path: string; offset: number }
  /** `$ARGUMENTS`: every argument. */
  | { kind: 'arguments'; text: string }
  /** `$ARGUMENTS[N]`. */
  | { kind: 'argument-index'; text: string; index: number }
  /** `$N`. */
  | { kind: 'positional'; text: string; number: number }
  /** `$name`, for a name declared in front matter `arguments`. */
  | { kind: 'named'; text: string; position: number }
  /** `${CLAUDE_SKILL_DIR}`, `${CLAUDE_PLUGIN_ROOT}`, `${CLAUDE_SESSION_ID}`. */
  | { kind: 'variable'; text: string; name: PromptVariable };

/** Claude Code's `${…}` substitutions (code.claude.com/docs/en/skills, "string substitutions"). */
export type PromptVariable = 'CLAUDE_SKILL_DIR' | 'CLAUDE_PLUGIN_ROOT' | 'CLAUDE_SESSION_ID';

const SYNTAX = new RegExp(
  [
    /\\(\$(?:ARGUMENTS\[\d+\]|ARGUMENTS\b|\d+(?!\w)|[A-Za-z_][\w-]*))/.source, // 1: an escaped placeholder
    /!`([^`\n]+)`/.source, // 2: shell line
    /(?<![\w@])@(~\/[\w./-]*[\w/-]|[\w./-]*[\w/-])(?=[\s,;:).!?]|$)/.source, // 3: include
    /\$ARGUMENTS\[(\d+)\]/.source, // 4
    /(\$ARGUMENTS)\b/.source, // 5
    /\$(\d+)(?!\w)/.source, // 6
    /\$\{(CLAUDE_SKILL_DIR|CLAUDE_PLUGIN_ROOT|CLAUDE_SESSION_ID)\}/.source, // 7
    /\$([A-Za-z_][\w-]*)/.source, // 8: maybe a named argument
  ].join('|'),
  'g',
);

/**
 * Splits a command body into text and the placeholders Claude Code substitutes (see
 * code.claude.com/docs/en/skills, "string substitutions" and "inject dynamic context"), in one
 * pass: what a placeholder is replaced by is never read again, so an argument or a file's text
 * can never become a shell line or an include. `names` are the front matter's `arguments`.
 * `\$1`, `\$ARGUMENTS` and `\$name` (a declared name) are escapes: the text without the backslash.
 */
export function promptTokens(body: string, names: readonly string[] = []): PromptToken[] {
  // Most commands (every package script) have no body: asked for each task of a run.
  if (body === '') return [];
  const tokens: PromptToken[] = [];
  const text = (value: string): void => {
    const last = tokens.at(-1);
    if (last?.kind === 'text') last.text += value;
    else if (value !== '') tokens.push({ kind: 'text', text: value });
  };
  const byLength = [...names].sort((a, b) => b.length - a.length);
  const declared = (word: string): string | undefined => byLength.find((name) => word === name || (word.startsWith(name) && !/\w/.test(word[name.length]!)));

  let at = 0;
  for (const match of body.matchAll(SYNTAX)) {
    const whole = match[0];
    const offset = match.index;
    text(body.slice(at, offset));
    at = offset + whole.length;
    const [, escaped, shell, include, index, all, positional, variable, word] = match;
    if (escaped !== undefined) {
      const name = /^\$([A-Za-z_][\w-]*)$/.exec(escaped)?.[1];
      text(name !== undefined && name !== 'ARGUMENTS' && declared(name) === undefined ? whole : escaped);
    } else if (shell !== undefined) tokens.push({ kind: 'shell', text: whole, command: shell.trim(), offset });
    else if (include !== undefined) tokens.push({ kind: 'include', text: whole, path: include, offset });
    else if (index !== undefined) tokens.push({ kind: 'argument-index', text: whole, index: Number(index) });
    else if (all !== undefined) tokens.push({ kind: 'arguments', text: whole });
    else if (positional !== undefined) tokens.push({ kind: 'positional', text: whole, number: Number(positional) });
    else if (variable !== undefined) tokens.push({ kind: 'variable', text: whole, name: variable as PromptVariable });
    else {
      const name = declared(word!);
      if (name === undefined) text(whole);
      else {
        tokens.push({ kind: 'named', text: `$${name}`, position: names.indexOf(name) });
        text(word!.slice(name.length));
      }
    }
  }
  text(body.slice(at));
  return tokens;
}

/** Where an offset of a command's body is in its file (1-based line and column). */
export function bodyLocation(command: Pick<CommandDefinition, 'body' | 'bodyLine' | 'location'>, offset: number): SourceLocation {
  const before = (command.body ?? '').slice(0, offset);
  return { file: command.location.file, line: (command.bodyLine ?? 1) + (before.match(/\n/g)?.length ?? 0), column: offset - before.lastIndexOf('\n') };
}
