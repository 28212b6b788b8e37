import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Issue 12 findings, #14: text from files never reaches the terminal as control characters.
const ESC = '\u001b';
/** Any character a terminal acts on, but line feed and tab (runOrch turns orch's own colours off). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('control characters from files', () => {
  const tree = {
    // The description (YAML escapes) sets red, rings the bell and carries a one-byte CSI (C1).
    '.claude/commands/red.md': '---\ndescription: "a\\u001b[31mred\\u0007 and \\u009b2J"\nrun: echo ran\n---\n',
    // A file name that clears the screen, and a first body line with a NUL.
    [`.claude/commands/${ESC}[2Jclear.md`]: '---\nrun: echo cleared\n---\n',
    '.claude/commands/nul.md': 'first\u0000line\n',
    '.claude/commands/deps.md': '---\ndescription: deps\ndependencies: ["\\u001b]0;pwned\\u0007"]\nrun: echo deps\n---\n',
  };

  it('are escaped by list, show, validate and the run reporters', () => {
    const dir = tempRepo(tree);
    const list = runOrch(['list'], dir);
    expect(list.stdout).not.toMatch(CONTROL);
    expect(list.stdout).toContain('red           markdown  a\\x1b[31mred\\x07 and \\x9b2J\n');
    expect(list.stdout).toContain('\\x1b[2Jclear  markdown');
    expect(list.stdout).toContain('nul           markdown  first\\x00line\n');

    const show = runOrch(['show', 'red'], dir);
    expect(show.stdout).not.toMatch(CONTROL);
    expect(show.stdout).toContain('description:   a\\x1b[31mred\\x07 and \\x9b2J');

    const validate = runOrch(['validate'], dir);
    expect(validate.stderr + validate.stdout).not.toMatch(CONTROL);
    expect(validate.stderr).toContain("deps: dependency on an unknown command '\\x1b]0;pwned\\x07'");

    const run = runOrch(['run', `${ESC}[2Jclear`, 'red', '--reporter', 'plain'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(CONTROL);
    expect(run.stderr).toContain('✔ \\x1b[2Jclear');
  });

  it('stay escaped in JSON, C1 included (JSON leaves those raw)', () => {
    const dir = tempRepo(tree);
    for (const args of [['list', '--json'], ['show', 'red', '--json'], ['validate', '--json']]) {
      const out = runOrch(args, dir).stdout;
      expect(out, args.join(' ')).not.toMatch(CONTROL);
    }
    const rows = JSON.parse(runOrch(['list', '--json'], dir).stdout) as { id: string; description: string }[];
    expect(rows.find((row) => row.id === 'red')!.description).toBe(`a${ESC}[31mred\u0007 and \u009b2J`);
  });
});
