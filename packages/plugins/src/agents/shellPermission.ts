import type { AllowedTools } from '@orch/engine';
import { parse, type ParseEntry } from 'shell-quote';

/** Whether a shell line may run, and if not, why. */
export type ShellPermission = { allowed: true } | { allowed: false; reason: string };

/** Operators between the commands of a compound line: each command is checked on its own. */
const SEPARATORS = new Set(['&&', '||', ';', '|', '|&', '&']);
/** Redirections that neither read nor write a file: `2>&1`, `>&2`, `<&0`. */
const FD_DUPLICATIONS = new Set(['>&', '<&']);
const OUTPUT_REDIRECTIONS = new Set(['>', '>>']);

/**
 * Whether `allowed-tools` lets a prompt's `` !`line` `` run, under Claude Code's Bash
 * permission rules (code.claude.com/docs/en/permissions):
 *
 * - `Bash`, `Bash(*)` (or orch's `all`): every command;
 * - `Bash(git status)`: exactly that command;
 * - `Bash(git status:*)` (the legacy prefix form) and `Bash(git diff *)` (a trailing ` *`):
 *   the words before it, alone or followed by a space and anything;
 * - `*` elsewhere (`Bash(git * main)`) matches any text there; `\*` is a literal star.
 *
 * A compound line (`a && b`, `a; b`, `a | b`, `a || b`, `a & b`) runs only if every command in it
 * is allowed, as Claude Code checks it. Fails closed on what a rule cannot vouch for: command
 * substitution (`` `…` ``, `$(…)`, `<(…)`), subshells, several lines, and redirection into a
 * file (only `/dev/null` and descriptor copies such as `2>&1` pass) unless the rule is `Bash`.
 */
export function shellPermission(line: string, tools: AllowedTools | undefined): ShellPermission {
  if (tools === 'all') return { allowed: true };
  const rules = (tools ?? []).flatMap((tool) => bashRule(tool) ?? []);
  if (rules.length === 0) return { allowed: false, reason: 'allowed-tools does not allow Bash' };
  if (rules.some((rule) => rule.kind === 'any')) return { allowed: true };

  const commands = splitCommands(line);
  if ('refused' in commands) return { allowed: false, reason: commands.refused };
  for (const command of commands) {
    if (!rules.some((rule) => matches(rule, command))) {
      const part = commands.length > 1 ? `its part \`${command}\`` : 'it';
      return { allowed: false, reason: `no Bash(...) rule in allowed-tools allows ${part} (allowed: ${rules.map((r) => `Bash(${r.text})`).join(', ')})` };
    }
  }
  return { allowed: true };
}

type BashRule = { kind: 'any'; text: string } | { kind: 'exact'; text: string } | { kind: 'pattern'; text: string; regex: RegExp };

/** One `allowed-tools` entry as a Bash rule, or undefined when it names another tool. */
function bashRule(tool: string): BashRule | undefined {
  const match = /^Bash(?:\((.*)\))?$/s.exec(tool.trim());
  if (!match) return undefined;
  const spec = (match[1] ?? '*').trim();
  if (spec === '*' || spec === '') return { kind: 'any', text: spec };
  // `git status:*` is the legacy spelling of `git status *`.
  const pattern = spec.endsWith(':*') ? `${spec.slice(0, -2)} *` : spec;
  if (!/(^|[^\\])\*/.test(pattern)) return { kind: 'exact', text: spec.replaceAll('\\*', '*') };
  return { kind: 'pattern', text: spec, regex: wildcardRegex(pattern) };
}

/** `*` matches anything; a single trailing ` *` also matches nothing at all (`git *` matches `git`). */
function wildcardRegex(pattern: string): RegExp {
  const stars = pattern.match(/(^|[^\\])\*/g)?.length ?? 0;
  const optionalTail = stars === 1 && pattern.endsWith(' *');
  const body = optionalTail ? pattern.slice(0, -2) : pattern;
  const source = body
    .split(/(\\\*|\*)/)
    .map((piece) => (piece === '*' ? '.*' : piece === '\\*' ? '\\*' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}${optionalTail ? '(?: .*)?' : ''}$`, 's');
}

function matches(rule: BashRule, command: string): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'exact':
      return command === rule.text;
    case 'pattern':
      return rule.regex.test(command);
  }
}

/** The simple commands of a line, each as words joined by one space, or why it cannot be checked. */
function splitCommands(line: string): string[] | { refused: string } {
  if (/[\n\r]/.test(line)) return { refused: 'a shell line must be one line' };
  if (/`|\$\(|[<>]\(/.test(line)) return { refused: 'it substitutes the output of another command (`…`, $(…) or <(…)), which no rule can vouch for' };
  let entries: ParseEntry[];
  try {
    // Variables stay as written: they are matched as text, as Claude Code matches them.
    entries = parse(line, (name) => `$${name}`);
  } catch (error) {
    return { refused: `it cannot be read as a shell line (${(error as Error).message})` };
  }
  const commands: string[] = [];
  let words: string[] = [];
  const flush = (): void => {
    if (words.length > 0) commands.push(words.join(' '));
    words = [];
  };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (typeof entry === 'string') words.push(/[\s"'\\]/.test(entry) || entry === '' ? JSON.stringify(entry) : entry);
    else if ('comment' in entry) continue;
    else if (entry.op === 'glob') words.push((entry as { pattern: string }).pattern);
    else if (SEPARATORS.has(entry.op)) flush();
    else if (FD_DUPLICATIONS.has(entry.op) && /^(\d+|-)$/.test(String(entries[i + 1]))) i++;
    else if (OUTPUT_REDIRECTIONS.has(entry.op) && entries[i + 1] === '/dev/null') i++;
    else return { refused: `it uses '${entry.op}'${OUTPUT_REDIRECTIONS.has(entry.op) || entry.op === '<' ? ' to redirect into or out of a file' : ''}, which only a plain Bash rule allows` };
  }
  flush();
  return commands.length > 0 ? commands : { refused: 'it is empty' };
}
