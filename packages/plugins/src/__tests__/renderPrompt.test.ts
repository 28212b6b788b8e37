import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CommandDefinition, OrchError } from '@orch/engine';
import { describe, expect, it } from 'vitest';
import { renderPrompt } from '../agents/renderPrompt.js';

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'orch-render-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function command(root: string, body: string, metadata: Partial<CommandDefinition['metadata']> = {}): CommandDefinition {
  return { id: 'x', kind: 'markdown', source: 'test', location: { file: join(root, '.claude/commands/x.md'), line: 1, column: 1 }, dependencies: [], metadata: { agents: [], extra: {}, ...metadata }, steps: [], body, bodyLine: 4 };
}

const render = async (body: string, args: string[], options: { metadata?: Partial<CommandDefinition['metadata']>; positionalBase?: 0 | 1; exec?: boolean; root?: string; outputs?: string[] } = {}) => {
  const root = options.root ?? repo({});
  return renderPrompt(command(root, body, options.metadata), { root, args, ...(options.positionalBase === undefined ? {} : { positionalBase: options.positionalBase }), ...(options.exec === undefined ? {} : { exec: options.exec }), ...(options.outputs ? { outputs: options.outputs } : {}) });
};

describe('renderPrompt: arguments as Claude Code substitutes them', () => {
  it('appends ARGUMENTS: <args> when the body has no placeholder', async () => {
    expect((await render('Tidy the notes.\n', ['a', 'b'])).text).toBe('Tidy the notes.\n\nARGUMENTS: a b\n');
    expect((await render('Tidy the notes.\n', [])).text).toBe('Tidy the notes.\n');
  });

  it('leaves $N with no matching argument as written ($100, SQL $1, awk $0)', async () => {
    const body = 'It costs $100. Run `SELECT * FROM t WHERE id = $1` and `awk \'{print $0}\'`.';
    expect((await render(body, [])).text).toBe(body);
    // One argument: $0 is it (0-based); $1 and $100 stay.
    expect((await render(body, ['one'])).text).toBe('It costs $100. Run `SELECT * FROM t WHERE id = $1` and `awk \'{print one}\'`.');
  });

  it('counts $N from 0 by default and from 1 with positionalBase 1', async () => {
    expect((await render('first $0, second $1', ['a', 'b'])).text).toBe('first a, second b');
    expect((await render('first $1, second $2', ['a', 'b'], { positionalBase: 1 })).text).toBe('first a, second b');
  });

  it('keeps argument boundaries in $ARGUMENTS, and $ARGUMENTS[N] is one argument', async () => {
    expect((await render('Do $ARGUMENTS now; first is $ARGUMENTS[0].', ['two words', 'b'])).text).toBe('Do "two words" b now; first is two words.');
    expect((await render('[$ARGUMENTS[5]]', ['a'])).text).toBe('[]');
  });

  it('reads \\$1 and \\$ARGUMENTS as the text $1 and $ARGUMENTS', async () => {
    expect((await render('Literal \\$1 and \\$ARGUMENTS, real $0.', ['a'])).text).toBe('Literal $1 and $ARGUMENTS, real a.');
  });

  it('substitutes named arguments from front matter arguments', async () => {
    const rendered = await render('Check $target against $base-line; $other stays.', ['src', 'main'], { metadata: { arguments: ['target', 'base'] } });
    expect(rendered.text).toBe('Check src against main-line; $other stays.');
  });
});

describe('renderPrompt: only the command file’s own !`cmd` lines run, and only when allowed', () => {
  it('an argument holding !`touch x` is text: never run, even with Bash allowed', async () => {
    const root = repo({});
    const rendered = await render('Review $ARGUMENTS and $0.', ['!`touch pwned`'], { root, metadata: { allowedTools: ['Bash'] } });
    expect(rendered.text).toBe('Review "!`touch pwned`" and !`touch pwned`.');
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('a !`cmd` line inside an @-included file is text, not run', async () => {
    const root = repo({ 'notes/part.md': 'Status: !`touch pwned`' });
    const rendered = await render('See @notes/part.md\n', [], { root, metadata: { allowedTools: ['Bash'] } });
    expect(rendered.text).toBe('See Status: !`touch pwned`\n');
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('Bash(git status:*) does not let !`echo x` run: the error names every refused line, and nothing runs', async () => {
    const root = repo({});
    const body = 'Line one\n!`echo x`\nthen !`touch made`\nand !`git status`\n';
    const error = (await render(body, [], { root, metadata: { allowedTools: ['Bash(git status:*)'] } }).catch((e: unknown) => e)) as OrchError;
    expect(error.code).toBe('prompt-invalid');
    expect(error.diagnostics.map((d) => [d.location?.line, d.location?.column, d.message])).toEqual([
      [5, 1, 'x: the prompt runs `echo x` with !`…`, but no Bash(...) rule in allowed-tools allows it (allowed: Bash(git status:*))'],
      [6, 6, 'x: the prompt runs `touch made` with !`…`, but no Bash(...) rule in allowed-tools allows it (allowed: Bash(git status:*))'],
    ]);
    expect(existsSync(join(root, 'made'))).toBe(false);
  });

  it('uses the outputs it is given instead of running the lines again', async () => {
    const root = repo({});
    const rendered = await render('A: !`touch made && echo a` B: !`echo b`', [], { root, metadata: { allowedTools: ['Bash'] }, outputs: ['first', 'second'] });
    expect(rendered.text).toBe('A: first B: second');
    expect(existsSync(join(root, 'made'))).toBe(false);
  });

  it('a NUL in the body, in an included file or in a line\'s output is an error at its place', async () => {
    const root = repo({ 'notes/bin.md': 'a\0b' });
    const body = (await render('x \0 y', [], { root }).catch((e: unknown) => e)) as OrchError;
    expect(body.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column])).toEqual([['prompt/nul-character', 4, 3]]);
    await expect(render('See @notes/bin.md', [], { root })).rejects.toThrow('.claude/commands/x.md:4:5: x: @notes/bin.md includes a file holding a NUL character');
    await expect(render('Out: !`printf "a\\000b"`', [], { root, metadata: { allowedTools: ['Bash'] } })).rejects.toThrow('.claude/commands/x.md:4:6: x: !`printf "a\\000b"` printed a NUL character');
  });

  it('runs an allowed line in the root and puts its output in place; exec: false runs nothing', async () => {
    const root = repo({});
    const body = 'Made: !`touch made && echo done`';
    const tools = { allowedTools: ['Bash(touch made)', 'Bash(echo *)'] };
    const shown = await render(body, [], { root, metadata: tools, exec: false });
    expect(shown.text).toBe(body);
    expect(shown.notes).toEqual(['not run: !`touch made && echo done` (.claude/commands/x.md:4:7: x); add --exec to run it']);
    expect(existsSync(join(root, 'made'))).toBe(false);
    expect((await render(body, [], { root, metadata: tools })).text).toBe('Made: done');
    expect(existsSync(join(root, 'made'))).toBe(true);
  });

  it('arguments are substituted after the shell lines ran: $0 inside !`…` is not the argument', async () => {
    const rendered = await render('Echo: !`echo [$0]`', ['$(touch pwned)'], { metadata: { allowedTools: ['Bash(echo *)'] } });
    // `$0` in the shell line is the shell's own name, not the argument.
    expect(rendered.text).toBe('Echo: [/bin/sh]\n\nARGUMENTS: "$(touch pwned)"\n');
  });
});

describe('renderPrompt: includes', () => {
  it('expands @~/ from the home folder, and notes a missing one', async () => {
    const home = repo({ 'notes.md': 'home notes' });
    const previous = process.env.HOME;
    process.env.HOME = home;
    try {
      expect((await render('Read @~/notes.md', [])).text).toBe('Read home notes');
      const missing = await render('Read @~/gone.md', []);
      expect(missing.text).toBe('Read @~/gone.md');
      expect(missing.notes[0]).toContain('@~/gone.md is not there');
    } finally {
      process.env.HOME = previous;
    }
  });

  it('leaves e-mail addresses and paths outside the repository as written', async () => {
    expect((await render('Mail me@example.com or @../../etc/passwd', [])).text).toBe('Mail me@example.com or @../../etc/passwd');
  });
});
