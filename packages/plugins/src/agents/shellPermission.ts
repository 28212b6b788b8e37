import type { AllowedTools } from '@orch/engine';
import { parse, type ParseEntry } from 'shell-quote';

/** A command's tool rules: front matter `allowed-tools` and `disallowed-tools`. */
export interface ToolRules {
  allowed?: AllowedTools | undefined;
  disallowed?: readonly string[] | undefined;
}

/**
 * Whether a shell line may run. A refusal says why, and whether a rule could change that:
 * `denied` when a `disallowed-tools` rule refuses it (no allow rule can), `plain-bash` when only a
 * plain `Bash` rule would allow it, `rule` when a `Bash(...)` rule for each refused part would.
 */
export type ShellPermission = { allowed: true } | { allowed: false; reason: string; remedy: ShellRemedy };

export type ShellRemedy = { kind: 'denied'; rule?: string } | { kind: 'plain-bash' } | { kind: 'rule'; parts: string[] };

/** Operators between the commands of a compound line: each command is checked on its own. */
const SEPARATORS = new Set(['&&', '||', ';', '|', '|&', '&']);
/** Redirections that neither read nor write a file: `2>&1`, `>&2`, `<&0`. */
const FD_DUPLICATIONS = new Set(['>&', '<&']);
const OUTPUT_REDIRECTIONS = new Set(['>', '>>']);
/**
 * Programs that run the command given in their arguments (`timeout 5 rm x`, `setsid rm x`,
 * `flock /tmp/l rm x`): Claude Code strips some of them before matching a rule
 * (code.claude.com/docs/en/permissions); orch, to be sure under a deny rule, checks every
 * tail of their arguments as a command, whatever their options (findings R2 #6).
 */
const WRAPPERS = new Set([
  'timeout', 'time', 'nice', 'nohup', 'stdbuf', 'env', 'command', 'exec', 'builtin', 'setsid', 'flock', 'ionice', 'chrt', 'taskset',
  'unbuffer', 'chroot', 'strace', 'ltrace', 'valgrind', 'busybox', 'toybox', 'firejail', 'systemd-run', 'runuser', 'sg', 'chpst', 'cgexec',
  'numactl', 'prlimit', 'unshare', 'nsenter', 'setpriv', 'setarch', 'linux32', 'linux64', 'faketime', 'fakeroot', 'proxychains', 'proxychains4',
  'torsocks', 'caffeinate', 'catchsegv', 'screen', 'dtach', 'chronic', 'ts', 'npx', 'pnpx', 'bunx',
]);
/** Shell words that open or close a compound command around simple ones (`{ rm x; }`, `if …; then rm x; fi`): the commands inside are checked. */
const RESERVED_AROUND = new Set(['{', '}', 'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!']);
/** Shell words whose commands orch does not follow (a function body runs later, under another name). */
const RESERVED_OPAQUE = new Set(['function', 'coproc', 'select']);
/** Commands that run other commands given as text, which no deny rule can see into. */
const RUNNERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'eval', 'xargs', 'sudo', 'doas', 'su', 'pkexec', 'watch', 'parallel', 'source', '.', 'script', 'ssh', 'tmux', 'nix-shell']);

/**
 * Whether a command's `` !`line` `` may run, under Claude Code's Bash permission rules
 * (code.claude.com/docs/en/permissions): deny rules are checked first and always win, then
 * allow rules.
 *
 * - `Bash` or `Bash(*)`: every command; `Bash(git status)`: exactly that command;
 *   `Bash(git status:*)` (legacy) and `Bash(git diff *)`: the words before it, alone or followed
 *   by a space and anything; `*` elsewhere matches any text; `\*` is a literal star.
 * - `allowed-tools: all` is not a tool name in Claude Code, so it allows no Bash command.
 * - A compound line (`a && b`, `a; b`, `a | b`, `a || b`, `a & b`) runs only if every command in
 *   it is allowed and none is denied. A deny rule also matches a command behind the wrappers
 *   Claude Code strips (`timeout 5 rm x`, `nohup rm x`, `FOO=1 rm x`).
 * - Fails closed on what a rule cannot vouch for: command substitution (`` `…` ``, `$(…)`,
 *   `<(…)`), subshells, several lines and redirection into a file (only `/dev/null` and
 *   descriptor copies such as `2>&1` pass) need a plain `Bash` rule; and under a deny rule, a
 *   line whose commands cannot all be read, whose program name is not literal (`rm$IFS/x`), or
 *   that hands text to another command runner (`sh -c`, `eval`, `xargs`, `find -exec`), is
 *   refused (fail closed).
 */
export function shellPermission(line: string, tools: ToolRules): ShellPermission {
  const deny = bashRules(tools.disallowed ?? []);
  const split = splitCommands(line);
  const denied = denyVerdict(deny, split);
  if (denied) return denied;

  if (tools.allowed === 'all') return { allowed: false, reason: '`allowed-tools: all` is not a tool name in Claude Code, so it allows no Bash command', remedy: remedyFor(split, split.commands ?? []) };
  const allow = bashRules(tools.allowed ?? []);
  if (allow.some((rule) => rule.kind === 'any')) return { allowed: true };
  if (allow.length === 0) return { allowed: false, reason: 'allowed-tools does not allow Bash', remedy: remedyFor(split, split.commands ?? []) };
  if (split.unchecked !== undefined || split.commands === undefined) return { allowed: false, reason: split.unchecked ?? 'it cannot be read', remedy: { kind: 'plain-bash' } };
  const refused = split.commands.filter((command) => !allow.some((rule) => matches(rule, command)));
  if (refused.length === 0) return { allowed: true };
  const part = split.commands.length > 1 ? `its part${refused.length > 1 ? 's' : ''} ${refused.map((c) => `\`${c}\``).join(', ')}` : 'it';
  return { allowed: false, reason: `no Bash(...) rule in allowed-tools allows ${part} (allowed: ${allow.map((r) => `Bash(${r.text})`).join(', ')})`, remedy: { kind: 'rule', parts: refused } };
}

/** What would allow a line: a rule per command when it can be read whole, else only plain `Bash`. */
function remedyFor(split: SplitLine, commands: string[]): ShellRemedy {
  return split.unchecked === undefined && commands.length > 0 ? { kind: 'rule', parts: commands } : { kind: 'plain-bash' };
}

/** A refusal by `disallowed-tools`, or undefined when no deny rule applies. */
function denyVerdict(deny: BashRule[], split: SplitLine): ShellPermission | undefined {
  if (deny.length === 0) return undefined;
  const bare = deny.find((rule) => rule.kind === 'any');
  if (bare) return { allowed: false, reason: `disallowed-tools denies Bash(${bare.text}) (every command)`, remedy: { kind: 'denied', rule: `Bash${bare.text === '' ? '' : `(${bare.text})`}` } };
  if (split.commands === undefined) return { allowed: false, reason: `disallowed-tools has Bash rules, and ${split.unchecked ?? 'the line'}: its commands cannot all be checked against them`, remedy: { kind: 'denied' } };
  for (const command of split.commands) {
    const read = denyForms(command);
    if ('unreadable' in read) return { allowed: false, reason: `disallowed-tools has Bash rules, and ${read.unreadable}: orch cannot be sure it is not a denied command, so it refuses the line (fail closed)`, remedy: { kind: 'denied' } };
    const { forms } = read;
    const rule = deny.find((candidate) => forms.some((form) => matches(candidate, form)));
    if (rule) {
      const part = split.commands.length > 1 ? `its part \`${command}\`` : 'it';
      return { allowed: false, reason: `disallowed-tools denies ${part} (Bash(${rule.text})); a deny rule wins over every allow rule, as in Claude Code`, remedy: { kind: 'denied', rule: `Bash(${rule.text})` } };
    }
    const runner = forms.map((form) => form.split(' ')).find((words) => RUNNERS.has(words[0]!) || (words[0] === 'find' && words.some((w) => /^-(exec|execdir|ok|okdir)$/.test(w))));
    if (runner) return { allowed: false, reason: `disallowed-tools has Bash rules, and \`${runner[0]}\` runs commands given as text, which they cannot see into`, remedy: { kind: 'denied' } };
  }
  return undefined;
}

/**
 * The forms of one simple command a deny rule is matched against (findings R2 #6): without the
 * words that open a compound command (`{`, `if`, `then`, `do`, `!`) and leading `NAME=value`
 * assignments, with a program given by path named by its basename (`/bin/rm x` → `rm x`), and,
 * behind a wrapper (`WRAPPERS`), every tail of its arguments. `unreadable` when the program
 * cannot be told for certain: a command name with `$`, a glob or a brace expansion
 * (`rm$IFS/x`, `r?m`, `{rm,x}`), or a function definition, which runs its body later under
 * another name.
 */
function denyForms(command: string): { forms: string[] } | { unreadable: string } {
  let words = command.split(' ');
  let start = 0;
  while (start < words.length && (RESERVED_AROUND.has(words[start]!) || /^[A-Za-z_]\w*=/.test(words[start]!))) start++;
  words = words.slice(start);
  if (words.length === 0 || words[0] === 'for' || words[0] === '[[') return { forms: [] }; // `for x in a b`, `[[ … ]]`, a closing `}` run no program
  if (RESERVED_OPAQUE.has(words[0]!)) return { unreadable: `it uses \`${words[0]}\`, whose commands run later under another name` };
  const forms: string[] = [];
  const tails = WRAPPERS.has(programName(words[0]!)) ? words.map((_, index) => index) : [0];
  for (const index of tails) {
    const program = words[index]!;
    // Behind a wrapper any argument may be the program, so none may expand to one.
    if (program !== '[' && /[$*?[\]{}]/.test(program)) return { unreadable: `\`${program}\` ${index === 0 ? 'names its program' : `follows the wrapper \`${words[0]}\``} with an expansion ($…, a glob or {…}), so the program it runs is not known until it runs` };
    forms.push([programName(program), ...words.slice(index + 1)].join(' '));
  }
  return { forms };
}

/** `/usr/bin/rm` → `rm`: the program a path names, as a rule names it. */
function programName(word: string): string {
  return word.includes('/') && !word.endsWith('/') ? word.slice(word.lastIndexOf('/') + 1) : word;
}

type BashRule = { kind: 'any'; text: string } | { kind: 'exact'; text: string } | { kind: 'pattern'; text: string; regex: RegExp };

/** The Bash rules among tool entries (`Read` and other tools are not). */
function bashRules(tools: readonly string[]): BashRule[] {
  return tools.flatMap((tool) => bashRule(tool) ?? []);
}

/** One tool entry as a Bash rule, or undefined when it names another tool. */
function bashRule(tool: string): BashRule | undefined {
  const match = /^Bash(?:\((.*)\))?$/s.exec(tool.trim());
  if (!match) return undefined;
  const spec = (match[1] ?? '').trim();
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

/**
 * A line read as its simple commands, each as words joined by one space. `commands` is missing
 * when they cannot be read (substitution, several lines); `unchecked` says what only a plain
 * `Bash` rule may allow (that, or a redirection into a file).
 */
interface SplitLine {
  commands?: string[];
  unchecked?: string;
}

function splitCommands(line: string): SplitLine {
  if (/[\n\r]/.test(line)) return { unchecked: 'it spans several lines' };
  if (/`|\$\(|[<>]\(/.test(line)) return { unchecked: 'it substitutes the output of another command (`…`, $(…) or <(…)), which no Bash(...) rule can vouch for' };
  let entries: ParseEntry[];
  try {
    // Variables stay as written: they are matched as text, as Claude Code matches them.
    entries = parse(line, (name) => `$${name}`);
  } catch (error) {
    return { unchecked: `it cannot be read as a shell line (${(error as Error).message})` };
  }
  const commands: string[] = [];
  let unchecked: string | undefined;
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
    else {
      // `2>&1`, `2>/dev/null`: the descriptor number is not a word of the command.
      if (/^\d$/.test(words.at(-1) ?? '') && line.includes(`${words.at(-1)}${entry.op}`)) words.pop();
      if (FD_DUPLICATIONS.has(entry.op) && /^(\d+|-)$/.test(String(entries[i + 1]))) i++;
      else if (OUTPUT_REDIRECTIONS.has(entry.op) && entries[i + 1] === '/dev/null') i++;
      else if (entry.op === '(' || entry.op === ')') return { unchecked: 'it runs a subshell `( … )`, which no Bash(...) rule can vouch for' };
      else {
        unchecked ??= `it uses '${entry.op}'${OUTPUT_REDIRECTIONS.has(entry.op) || entry.op === '<' ? ' to redirect into or out of a file' : ''}, which only a plain Bash rule allows`;
        if (typeof entries[i + 1] === 'string') i++;
      }
    }
  }
  flush();
  if (commands.length === 0) return { unchecked: 'it is empty' };
  return { commands, ...(unchecked ? { unchecked } : {}) };
}
