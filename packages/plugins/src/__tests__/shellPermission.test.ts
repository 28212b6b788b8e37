import { describe, expect, it } from 'vitest';
import { shellLineHint } from '../agents/shellLineHint.js';
import { shellPermission, type ToolRules } from '../agents/shellPermission.js';
import { normaliseAllowedTools } from '../markdown/normaliseFrontMatter.js';

const allowed = (line: string, ...tools: string[]) => shellPermission(line, { allowed: tools }).allowed;
/** As front matter gives them: `allowed-tools: <text>`, `disallowed-tools: [...]`. */
const rules = (allowedTools: string, disallowed?: string[]): ToolRules => ({ allowed: normaliseAllowedTools(allowedTools), disallowed });

describe('shellPermission (Claude Code Bash rules)', () => {
  it('a legacy prefix rule allows that command with any arguments, and nothing else', () => {
    expect(allowed('git status', 'Bash(git status:*)')).toBe(true);
    expect(allowed('git status --short', 'Bash(git status:*)')).toBe(true);
    expect(allowed('echo x', 'Bash(git status:*)')).toBe(false);
    // A word boundary: `git statusx` is another command.
    expect(allowed('git statusx', 'Bash(git status:*)')).toBe(false);
  });

  it('a trailing " *" matches the words alone or followed by anything; "*" elsewhere matches any text', () => {
    expect(allowed('git diff', 'Bash(git diff *)')).toBe(true);
    expect(allowed('git diff HEAD~1 --stat', 'Bash(git diff *)')).toBe(true);
    expect(allowed('git diffx', 'Bash(git diff *)')).toBe(false);
    expect(allowed('lsof', 'Bash(ls *)')).toBe(false);
    expect(allowed('lsof', 'Bash(ls*)')).toBe(true);
    expect(allowed('git push origin main', 'Bash(git * main)')).toBe(true);
    expect(allowed('git push origin dev', 'Bash(git * main)')).toBe(false);
  });

  it('an exact rule allows only that line; Bash and Bash(*) allow everything', () => {
    expect(allowed('npm run build', 'Bash(npm run build)')).toBe(true);
    expect(allowed('npm run build --watch', 'Bash(npm run build)')).toBe(false);
    for (const tool of ['Bash', 'Bash(*)']) expect(allowed('touch x && rm -rf y > z', tool)).toBe(true);
    // A descriptor number before a redirection is not a word of the command.
    expect(allowed('git status 2>&1', 'Bash(git status)')).toBe(true);
  });

  it('allowed-tools: all is not a Claude Code tool name: it allows no line (FINDINGS-12 #1)', () => {
    for (const line of ['touch PALL && echo done > PALL2', 'git status', 'anything $(id)']) {
      const result = shellPermission(line, rules('all'));
      expect(result.allowed, line).toBe(false);
    }
    expect(shellPermission('git status', rules('All'))).toMatchObject({ allowed: false, reason: expect.stringContaining('`allowed-tools: all` is not a tool name in Claude Code') });
  });

  it('without a Bash rule nothing runs, and says so', () => {
    expect(shellPermission('git status', { allowed: ['Read', 'Grep'] })).toMatchObject({ allowed: false, reason: 'allowed-tools does not allow Bash' });
    expect(shellPermission('git status', {}).allowed).toBe(false);
  });

  it('every part of a compound line must be allowed (&&, ||, ;, |, &)', () => {
    const tools = ['Bash(git status:*)', 'Bash(wc *)'];
    expect(allowed('git status | wc -l', ...tools)).toBe(true);
    for (const line of ['git status && echo x', 'git status; echo x', 'git status || echo x', 'git status & echo x', 'git status | sh']) {
      expect(allowed(line, ...tools), line).toBe(false);
    }
    expect(shellPermission('git status && touch x', { allowed: tools })).toMatchObject({ reason: expect.stringContaining('its part `touch x`') });
    // Quoted operators are text, not separators.
    expect(allowed('git status "a && b"', ...tools)).toBe(true);
  });

  it('fails closed on what no rule can vouch for: substitutions, subshells, several lines, writes to files', () => {
    const tools = ['Bash(git status:*)', 'Bash(echo *)'];
    for (const line of ['echo $(touch x)', 'echo `touch x`', 'git status\ntouch x', '(git status)', 'echo x > file', 'echo x >> file', 'git status < in', 'diff <(git status) x']) {
      expect(allowed(line, ...tools), line).toBe(false);
    }
    expect(allowed('git status 2>&1', ...tools)).toBe(true);
    expect(allowed('git status > /dev/null', ...tools)).toBe(true);
  });
});

describe('disallowed-tools: a deny rule beats every allow rule (FINDINGS-12 #2)', () => {
  it('Bash(rm:*) refuses rm under allowed-tools: Bash, alone or as any part of a compound line', () => {
    for (const line of ['rm victim', 'rm -f victim', 'echo hi && rm victim', 'echo hi; rm victim', 'ls | rm victim', 'false || rm victim']) {
      const result = shellPermission(line, rules('Bash', ['Bash(rm:*)']));
      expect(result, line).toMatchObject({ allowed: false, reason: expect.stringContaining('disallowed-tools denies') });
    }
    expect(shellPermission('echo rm', rules('Bash', ['Bash(rm:*)'])).allowed).toBe(true);
    expect(shellPermission('rmdir x', rules('Bash', ['Bash(rm *)'])).allowed).toBe(true);
  });

  it('a bare Bash (or Bash(*)) deny refuses every line, even under Bash(*)', () => {
    for (const deny of ['Bash', 'Bash(*)']) {
      expect(shellPermission('git status', rules('Bash(*)', [deny])), deny).toMatchObject({ allowed: false, reason: expect.stringContaining('every command') });
    }
  });

  it('matches behind the wrappers Claude Code strips, and refuses what it cannot see into', () => {
    const tools = rules('Bash', ['Bash(rm:*)']);
    for (const line of ['timeout 5 rm victim', 'nohup rm victim', 'FOO=1 rm victim', 'nice -n 5 rm victim', 'env X=1 rm victim', 'time nohup rm victim']) {
      expect(shellPermission(line, tools).allowed, line).toBe(false);
    }
    // Commands given as text, or lines whose commands cannot all be read, cannot be checked against a deny rule.
    for (const line of ['sh -c "rm victim"', 'eval "rm victim"', 'echo victim | xargs rm', 'find . -name victim -exec rm {} ;', 'echo $(rm victim)']) {
      expect(shellPermission(line, tools).allowed, line).toBe(false);
    }
    // A redirection hides no command: checked part by part, and allowed by plain Bash.
    expect(shellPermission('echo hi > out', tools).allowed).toBe(true);
    expect(shellPermission('echo hi > out && rm victim', tools).allowed).toBe(false);
  });
});

describe('disallowed-tools fails closed on what it cannot be sure of (findings R2 #6)', () => {
  const tools = rules('Bash', ['Bash(rm *)']);

  it('sees through a path to the program, compound commands and any wrapper that runs its arguments', () => {
    for (const line of [
      '/bin/rm x', './rm x', '{ rm x; }', 'if true; then rm x; fi', 'if ! rm x; then echo; fi', 'while rm x; do echo; done', 'for f in a; do rm $f; done', '! rm x',
      'env -i rm x', 'setsid rm x', 'flock /tmp/lk rm x', 'ionice rm x', 'ionice -c 3 rm x', 'chrt -o 0 rm x', 'taskset 1 rm x', 'setsid nice /usr/bin/rm x', 'busybox rm x', 'npx rm x',
    ]) {
      expect(shellPermission(line, tools), line).toMatchObject({ allowed: false, reason: expect.stringContaining('disallowed-tools denies'), remedy: { kind: 'denied', rule: 'Bash(rm *)' } });
    }
  });

  it('refuses a line whose program is not written literally, or hides its commands, and says why', () => {
    for (const line of ['rm$IFS/x', 'r?m x', '{rm,x} y', '$RM x', 'env -i $CMD x', 'function f { rm x; }; f', 'coproc rm x']) {
      expect(shellPermission(line, tools), line).toMatchObject({ allowed: false, reason: expect.stringContaining('fail closed'), remedy: { kind: 'denied' } });
    }
    expect(shellPermission('rm$IFS/x', tools)).toMatchObject({ reason: expect.stringContaining('`rm$IFS/x` names its program with an expansion ($…, a glob or {…})') });
    for (const line of ['script -qc "rm x" /dev/null', 'ssh host rm x', 'taskset 1 sh -c "rm x"']) expect(shellPermission(line, tools).allowed, line).toBe(false);
  });

  it('still allows what the deny rule does not name: other programs, rm as an argument, tests and loops', () => {
    for (const line of ['git status', 'echo rm x', 'git commit -m rm', 'rmdir x', '/usr/bin/ls -la', '[ -f x ] && echo yes', '[[ -f x ]] && echo yes', 'for f in a b; do echo $f; done', '{ echo a; echo b; }', 'if true; then echo a; fi', 'timeout 5 make build', 'FOO=1 make']) {
      expect(shellPermission(line, tools).allowed, line).toBe(true);
    }
  });
});

describe('shellLineHint: only hints that work (FINDINGS-12 #13)', () => {
  const hint = (line: string, tools: ToolRules): string => {
    const result = shellPermission(line, tools);
    if (result.allowed) throw new Error(`${line} is allowed`);
    return shellLineHint(line, tools, result.remedy);
  };
  /** The rules a hint offers, as `allowed-tools` would read them. */
  const offered = (text: string): string[] => [...text.matchAll(/Bash\((?:[^()]|\([^()]*\))*\)/g)].map((m) => m[0]).filter((rule) => rule !== 'Bash(...)');

  it('offers a rule for each refused part, and each offer lets the line run', () => {
    const tools = rules('Bash(git diff:*)');
    const text = hint('git diffx; touch P', tools);
    expect(text).toContain('Bash(git diffx) and Bash(touch P)');
    expect(text).not.toContain('Bash(git diffx; touch P)');
    expect(shellPermission('git diffx; touch P', rules(`Bash(git diff:*), ${offered(text).slice(0, 2).join(', ')}`)).allowed).toBe(true);
    const single = hint('cat /tmp/o.txt', rules('Read'));
    expect(single).toBe('add Bash(cat /tmp/o.txt) (this command only), or Bash(cat *) (with any arguments) to allowed-tools, or remove the !`…` line');
    for (const rule of offered(single)) expect(shellPermission('cat /tmp/o.txt', rules(`Read, ${rule}`)).allowed, rule).toBe(true);
  });

  it('never offers a Bash(...) rule for what only plain Bash allows: substitutions, redirections', () => {
    for (const line of ['git status $(touch P)', 'echo hi >P', 'echo pwned > E1']) {
      const text = hint(line, rules('Bash(git status:*), Bash(echo *)'));
      expect(offered(text), line).toEqual([]);
      expect(text, line).toContain('only a plain `Bash` in allowed-tools does');
    }
  });

  it('never offers an allow rule for a denied line: it names the deny rule', () => {
    expect(hint('rm victim', rules('Bash', ['Bash(rm:*)']))).toBe('remove Bash(rm:*) from disallowed-tools (no allow rule can override a deny rule), or remove the !`…` line');
  });

  it('for allowed-tools: all, offers the rule that would allow the line', () => {
    expect(hint('git status', rules('all'))).toContain('add Bash(git status) (this command only)');
  });
});
