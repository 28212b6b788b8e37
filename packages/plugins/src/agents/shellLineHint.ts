import { normaliseAllowedTools } from '../markdown/normaliseFrontMatter.js';
import { shellPermission, type ShellRemedy, type ToolRules } from './shellPermission.js';

/**
 * What to do about a refused `` !`line` ``, never a rule that would still be refused: each
 * suggested `allowed-tools` is checked with `shellPermission` (read as front matter reads it)
 * before it is offered. A line denied by `disallowed-tools` gets no allow rule (deny wins); a
 * line that only a plain `Bash` rule allows says so.
 */
export function shellLineHint(line: string, tools: ToolRules, remedy: ShellRemedy): string {
  const remove = 'or remove the !`…` line';
  switch (remedy.kind) {
    case 'denied':
      return remedy.rule ? `remove ${remedy.rule} from disallowed-tools (no allow rule can override a deny rule), ${remove}` : `write it as plain commands the disallowed-tools rules can check, ${remove}`;
    case 'plain-bash':
      return works(line, tools, ['Bash'])
        ? `no Bash(...) rule can allow this line: only a plain \`Bash\` in allowed-tools does, and it allows every command; rewrite the line, ${remove}`
        : `no allowed-tools rule can allow this line; ${remove.slice(3)}`;
    case 'rule': {
      const exact = remedy.parts.map((part) => `Bash(${part.replaceAll('*', '\\*')})`);
      const prefix = remedy.parts.map((part) => `Bash(${commandName(part)} *)`);
      const offers: string[] = [];
      if (works(line, tools, exact)) offers.push(`${list(exact)} (${remedy.parts.length > 1 ? 'these commands' : 'this command'} only)`);
      if (works(line, tools, prefix) && prefix.join() !== exact.join()) offers.push(`${list(prefix)} (with any arguments)`);
      if (offers.length === 0) return shellLineHint(line, tools, { kind: 'plain-bash' });
      return `add ${offers.join(', or ')} to allowed-tools, ${remove}`;
    }
  }
}

/** Tools whose second word is a subcommand, so a rule for `git diff *` is narrower than `git *`. */
const WITH_SUBCOMMANDS = new Set(['git', 'gh', 'npm', 'pnpm', 'yarn', 'bun', 'cargo', 'go', 'docker', 'kubectl', 'helm', 'terraform', 'pip', 'uv', 'poetry', 'dotnet', 'mvn', 'gradle']);

/** The program, with its subcommand for tools that have them (`git diff`, `npm run`). */
function commandName(part: string): string {
  const [program, next] = part.split(' ');
  return WITH_SUBCOMMANDS.has(program!) && next !== undefined && /^[a-z][\w-]*$/.test(next) ? `${program} ${next}` : program!;
}

const list = (rules: string[]): string => (rules.length === 1 ? rules[0]! : `${rules.slice(0, -1).join(', ')} and ${rules.at(-1)}`);

/** Whether adding these rules to `allowed-tools` lets the line run. */
function works(line: string, tools: ToolRules, added: readonly string[]): boolean {
  const kept = Array.isArray(tools.allowed) ? tools.allowed : [];
  return shellPermission(line, { allowed: normaliseAllowedTools([...kept, ...added].join(', ')), disallowed: tools.disallowed }).allowed;
}
