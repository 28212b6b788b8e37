import { describe, expect, it } from 'vitest';
import { shellPermission } from '../agents/shellPermission.js';

const allowed = (line: string, ...tools: string[]) => shellPermission(line, tools).allowed;

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

  it('an exact rule allows only that line; Bash, Bash(*) and `all` allow everything', () => {
    expect(allowed('npm run build', 'Bash(npm run build)')).toBe(true);
    expect(allowed('npm run build --watch', 'Bash(npm run build)')).toBe(false);
    for (const tool of ['Bash', 'Bash(*)']) expect(allowed('touch x && rm -rf y > z', tool)).toBe(true);
    expect(shellPermission('anything $(id)', 'all').allowed).toBe(true);
  });

  it('without a Bash rule nothing runs, and says so', () => {
    expect(shellPermission('git status', ['Read', 'Grep'])).toEqual({ allowed: false, reason: 'allowed-tools does not allow Bash' });
    expect(shellPermission('git status', undefined).allowed).toBe(false);
  });

  it('every part of a compound line must be allowed (&&, ||, ;, |, &)', () => {
    const rules = ['Bash(git status:*)', 'Bash(wc *)'];
    expect(allowed('git status | wc -l', ...rules)).toBe(true);
    for (const line of ['git status && echo x', 'git status; echo x', 'git status || echo x', 'git status & echo x', 'git status | sh']) {
      const result = shellPermission(line, rules);
      expect(result.allowed, line).toBe(false);
    }
    expect(shellPermission('git status && touch x', rules)).toMatchObject({ reason: expect.stringContaining('its part `touch x`') });
    // Quoted operators are text, not separators.
    expect(allowed('git status "a && b"', ...rules)).toBe(true);
  });

  it('fails closed on what no rule can vouch for: substitutions, subshells, several lines, writes to files', () => {
    const rules = ['Bash(git status:*)', 'Bash(echo *)'];
    for (const line of ['echo $(touch x)', 'echo `touch x`', 'git status\ntouch x', '(git status)', 'echo x > file', 'echo x >> file', 'git status < in', 'diff <(git status) x']) {
      expect(allowed(line, ...rules), line).toBe(false);
    }
    expect(allowed('git status 2>&1', ...rules)).toBe(true);
    expect(allowed('git status > /dev/null', ...rules)).toBe(true);
  });
});
