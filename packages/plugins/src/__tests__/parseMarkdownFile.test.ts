import { describe, expect, it } from 'vitest';
import { decodeText } from '../markdown/decodeText.js';
import { normaliseFrontMatter } from '../markdown/normaliseFrontMatter.js';
import { parseMarkdownFile } from '../markdown/parseMarkdownFile.js';

const parse = (text: string) => parseMarkdownFile('/repo/cmd.md', text);
const normalise = (text: string) => normaliseFrontMatter(parse(text).frontMatter);

describe('parseMarkdownFile', () => {
  it('splits front matter from the body and knows where the body starts', () => {
    const parsed = parse('---\ndescription: Plan it\ncomplexity: medium\n---\n\n# Plan\n');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.frontMatter.data).toEqual({ description: 'Plan it', complexity: 'medium' });
    expect(parsed.body).toBe('\n# Plan\n');
    expect(parsed.bodyLine).toBe(5);
  });

  it('keeps dates as text (no implicit YAML 1.1 timestamps)', () => {
    expect(parse('---\nsince: 2024-01-02\n---\n').frontMatter.data.since).toBe('2024-01-02');
  });

  it('reports malformed YAML that cannot be recovered at its line and column, with the source line', () => {
    const parsed = parse('---\ndescription: ok\nsteps:\n  - [a, b\n  - c\n---\nbody');
    expect(parsed.diagnostics).toHaveLength(1);
    const [diagnostic] = parsed.diagnostics;
    expect(diagnostic).toMatchObject({ severity: 'error', code: 'front-matter/yaml', location: { file: '/repo/cmd.md' }, sourceLine: expect.any(String) });
    expect(diagnostic!.message).toMatch(/^front matter is not valid YAML: /);
    expect(parsed.frontMatter.data).toEqual({});
  });

  it("never guesses a value of orch's own keys that Claude Code's retry would quote: an error at the value", () => {
    const parsed = parse('---\ndescription: ok\nagents: [a, b\nrun: x\n---\nbody');
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'front-matter/yaml', location: expect.objectContaining({ line: 3, column: 9 }), message: expect.stringContaining('agents: not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ]); orch never reads agents as a guess') }),
    ]);
  });

  it('reports a duplicate key where it repeats', () => {
    const [diagnostic] = parse('---\ndescription: a\ndescription: b\n---\n').diagnostics;
    expect(diagnostic).toMatchObject({ code: 'front-matter/duplicate-key', location: { line: 3, column: 1 }, hint: expect.stringContaining('each key may appear once') });
  });

  it('reads Claude Code style unquoted values with a warning that says how to be exact', () => {
    const parsed = parse('---\nname: fixer\ndescription: **EXECUTE** tests. Examples: <example>Context: x</example>\nmodel: sonnet\n---\nbody');
    expect(parsed.frontMatter.data).toEqual({ name: 'fixer', description: '**EXECUTE** tests. Examples: <example>Context: x</example>', model: 'sonnet' });
    expect(parsed.diagnostics).toHaveLength(1);
    expect(parsed.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'front-matter/lenient', location: { line: 3 } });
  });

  it('rejects front matter that is not a mapping', () => {
    const [diagnostic] = parse('---\n- a\n- b\n---\nbody').diagnostics;
    expect(diagnostic).toMatchObject({ severity: 'error', code: 'front-matter/not-a-mapping', message: 'front matter must be a mapping of keys to values, found a list', location: { line: 2 } });
  });

  it('rejects front matter that is never closed', () => {
    const [diagnostic] = parse('---\ndescription: x\n# Title\n').diagnostics;
    expect(diagnostic).toMatchObject({ code: 'front-matter/unclosed', location: { line: 1 } });
  });

  it('warns about an empty file', () => {
    expect(parse('').diagnostics[0]).toMatchObject({ severity: 'warning', code: 'front-matter/empty-file' });
  });

  it('reads a file without front matter as a prompt', () => {
    const parsed = parse('# Just a prompt\n');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.frontMatter.data).toEqual({});
    expect(parsed.body).toBe('# Just a prompt\n');
  });
});

describe('decodeText', () => {
  it('drops a BOM and turns CRLF into LF without moving lines', () => {
    const decoded = decodeText('/x.md', Buffer.from('\uFEFF---\r\ndescription: win\r\n---\r\nbody\r\n'));
    expect(decoded).toEqual({ text: '---\ndescription: win\n---\nbody\n' });
    expect(parse((decoded as { text: string }).text).frontMatter.data).toEqual({ description: 'win' });
  });

  it('rejects a file that is not UTF-8 at its first bad byte', () => {
    const bytes = Buffer.concat([Buffer.from('---\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n---\n')]);
    const decoded = decodeText('/x.md', bytes);
    expect(decoded).toMatchObject({ diagnostic: { code: 'file/not-utf8', message: 'not valid UTF-8: byte 0xe9 at offset 20', location: { file: '/x.md', line: 2, column: 17 } } });
  });

  it('accepts emoji and other multi-byte text', () => {
    expect(decodeText('/x.md', Buffer.from('# 🔍 résumé ✅'))).toEqual({ text: '# 🔍 résumé ✅' });
  });
});

describe('normaliseFrontMatter', () => {
  it('normalises allowed-tools, dependencies, agents and timeouts; keeps unknown keys', () => {
    const result = normalise(
      ['---', 'allowed-tools: Bash(git add:*, git status:*), Read', 'dependencies: quality/verify, test/unit', 'agents: reviewer', 'timeout: 1m30s', 'pattern: custom', 'intensity: high', '---', ''].join('\n'),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.metadata.allowedTools).toEqual(['Bash(git add:*, git status:*)', 'Read']);
    expect(result.dependencies.map((d) => d.spec)).toEqual(['quality/verify', 'test/unit']);
    expect(result.metadata.agents).toEqual(['reviewer']);
    expect(result.metadata.timeout).toBe(90_000);
    expect(result.metadata.extra).toEqual({ pattern: 'custom', intensity: 'high' });
  });

  it('reads allowed-tools: all, a list, and the legacy dependent-commands key with per-item locations', () => {
    const result = normalise('---\nallowed-tools: all\ndependent-commands:\n  - a\n  - b\n---\n');
    expect(result.metadata.allowedTools).toBe('all');
    expect(result.dependencies).toEqual([
      { spec: 'a', location: expect.objectContaining({ line: 4, column: 5 }) },
      { spec: 'b', location: expect.objectContaining({ line: 5, column: 5 }) },
    ]);
  });

  it('turns run steps into checkpoints in order', () => {
    const result = normalise('---\nrun:\n  - npm run lint\n  - name: build\n    run: npm run build\n    compensate: git clean -fd dist\n---\n');
    expect(result.steps.map(({ location: _location, ...step }) => step)).toEqual([{ run: 'npm run lint' }, { name: 'build', run: 'npm run build', compensate: 'git clean -fd dist' }]);
  });

  it('reports each wrong value at the value, with what is expected, and keeps the valid keys beside it', () => {
    const result = normalise('---\ncomplexity: hard\ndependencies: 5\ntimeout: soon\ndescription: kept\nagents: reviewer\n---\n');
    const messages = result.diagnostics.map((d) => `${d.severity} ${d.location?.line}: ${d.message}`).sort();
    expect(messages).toEqual([
      "error 3: dependencies: expected a string or a list, found 5",
      "error 4: timeout: expected a duration such as 30s, 5m or 1h30m, found 'soon'",
      "warning 2: complexity: expected one of 'simple', 'medium', 'complex', found \"hard\"; ignored: the command runs without a complexity profile",
    ]);
    expect(result.metadata).toMatchObject({ description: 'kept', agents: ['reviewer'] });
  });

  it('reports a timeout that is not a duration', () => {
    const [diagnostic] = normalise('---\ntimeout: soon\n---\n').diagnostics;
    expect(diagnostic).toMatchObject({ message: "timeout: expected a duration such as 30s, 5m or 1h30m, found 'soon'", location: { line: 2 }, sourceLine: 'timeout: soon' });
  });

  it('reports a misspelt orch key with did you mean, pointing at the key', () => {
    const result = normalise('---\ndescription: x\ndependancies: [a]\ncomplexty: simple\n---\n');
    expect(result.diagnostics.map((d) => [d.message, d.hint, d.location?.line, d.location?.column])).toEqual([
      ["unknown key 'dependancies'", "did you mean 'dependencies'?", 3, 1],
      ["unknown key 'complexty'", "did you mean 'complexity'?", 4, 1],
    ]);
  });
});

describe('front matter that must never crash, hang or run (issue 12)', () => {
  const errorOf = (text: string) => parse(text).diagnostics.find((d) => d.severity === 'error');

  it('does not evaluate a `---js` opener (gray-matter ran it as JavaScript): the whole file is the prompt, with a located warning', () => {
    const text = '---js\n{ a: (globalThis.evaluatedByFrontMatter = true) }\n---\nbody\n';
    const parsed = parse(text);
    expect((globalThis as { evaluatedByFrontMatter?: boolean }).evaluatedByFrontMatter).toBeUndefined();
    expect(parsed.body).toBe(text);
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'front-matter/not-opened', location: expect.objectContaining({ line: 1, column: 1 }) })]);
  });

  it('reads a NUL byte in the opening line as text, and one inside front matter as a located error', () => {
    expect(parse('---\0\nx: 1\n---\nbody\n').diagnostics[0]).toMatchObject({ severity: 'warning', code: 'front-matter/not-opened' });
    expect(errorOf('---\ndescription: a\0b\n---\n')).toMatchObject({ code: 'front-matter/control-character', location: { line: 2, column: 15 } });
  });

  it.each([
    ['an alias bomb', ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)], 'front-matter/alias-limit', 3],
    ['101 aliases', ['base: &v text', ...Array.from({ length: 101 }, (_, i) => `k${i}: *v`)], 'front-matter/alias-limit', 103],
    ['an undefined alias', ['description: ok', 'v:', '  - *nope'], 'front-matter/unknown-alias', 4],
    ['a recursive alias', ['a: &x [1, *x]'], 'front-matter/recursive-alias', 2],
    ['nesting past the limit', [`description: ${'['.repeat(1000)}x${']'.repeat(1000)}`], 'front-matter/too-deep', 2],
  ])('reports %s as a located error of that file, not a crash', (_name, lines, code, line) => {
    expect(errorOf(`---\n${lines.join('\n')}\n---\nbody\n`)).toMatchObject({ code, location: { file: '/repo/cmd.md', line } });
  });

  it('reads front matter of 40,000 keys, finding a repeated key among them', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `key${i}: ${i}`);
    expect(Object.keys(parse(`---\n${keys.join('\n')}\n---\n`).frontMatter.data)).toHaveLength(40_000);
    expect(errorOf(`---\n${keys.join('\n')}\nkey17: again\n---\n`)).toMatchObject({ code: 'front-matter/duplicate-key', location: { line: 40_002 } });
  });
});

describe("Claude Code's front matter, read as Claude Code reads it (issue 12)", () => {
  it('keeps both argument-hint examples of its docs as written: `[message]` (a YAML list) and `[pr-number] [priority]` (not YAML)', () => {
    expect(normalise('---\nargument-hint: [message]\ndescription: Commit\n---\n')).toMatchObject({ diagnostics: [], metadata: { argumentHint: '[message]', description: 'Commit' } });
    const parsed = parse('---\nargument-hint: [pr-number] [priority]\ndescription: Review\n---\n');
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'front-matter/lenient', location: expect.objectContaining({ line: 2 }), hint: 'quote the value to make it valid YAML: argument-hint: "[pr-number] [priority]"' })]);
    expect(normaliseFrontMatter(parsed.frontMatter).metadata).toMatchObject({ argumentHint: '[pr-number] [priority]', description: 'Review' });
  });

  it('warns at a value that is a YAML mapping by accident (`{{SUMMARY}}`), and keeps the keys beside it', () => {
    const result = normalise('---\ndescription: {{SUMMARY}}\nmodel: sonnet\nallowed-tools: Read\n---\n');
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', message: "description: a YAML mapping, not text (an unquoted '{…}' is one); ignored, as Claude Code ignores it", location: expect.objectContaining({ line: 2, column: 14 }), hint: 'quote the value to keep it as text: description: "{{SUMMARY}}"' }),
    ]);
    expect(result.metadata).toMatchObject({ model: 'sonnet', allowedTools: ['Read'] });
    expect(result.metadata.description).toBeUndefined();
  });

  it('warns at an unknown complexity word and keeps the rest of the metadata', () => {
    const result = normalise('---\ndescription: Deploy\ncomplexity: standard\ndependencies: [build]\n---\n');
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', location: expect.objectContaining({ line: 3 }) })]);
    expect(result.metadata).toMatchObject({ description: 'Deploy' });
    expect(result.metadata.complexity).toBeUndefined();
    expect(result.dependencies.map((d) => d.spec)).toEqual(['build']);
  });

  it("accepts Claude Code's skill keys with its value forms", () => {
    const result = normalise(
      [
        '---',
        'description: 12',
        'when_to_use: When the build is red',
        'user-invocable: no',
        'disable-model-invocation: "yes"',
        'effort: xhigh',
        'allowed-tools: Read Grep Bash(git add:*)',
        'disallowed-tools: [Write, "Bash(rm:*)"]',
        'paths: src/*.{ts,tsx}, docs/**',
        'hooks:',
        '  PreToolUse:',
        '    - matcher: Bash',
        '      hooks:',
        '        - type: command',
        '          command: ./check.sh',
        '---',
      ].join('\n'),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.metadata).toMatchObject({
      description: '12',
      whenToUse: 'When the build is red',
      userInvocable: false,
      disableModelInvocation: true,
      effort: 'xhigh',
      allowedTools: ['Read', 'Grep', 'Bash(git add:*)'],
      disallowedTools: ['Write', 'Bash(rm:*)'],
      paths: ['src/*.{ts,tsx}', 'docs/**'],
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './check.sh' }] }] },
    });
  });

  it("keeps Claude Code's other keys as written, never taking them for a misspelling (`agent` is not `agents`)", () => {
    const result = normalise('---\nagent: Explore\ncontext: fork\nname: reviewer\n---\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.metadata.extra).toEqual({ agent: 'Explore', context: 'fork', name: 'reviewer' });
  });

  it("ignores a wrong value of Claude Code's keys with a warning, as Claude Code does; a wrong value of orch's own keys is an error", () => {
    const result = normalise('---\neffort: extreme\nuser-invocable: maybe\nhooks: 5\ndisallowed-tools: 5\n---\n');
    expect(result.diagnostics.map((d) => `${d.severity} ${d.location?.line}`)).toEqual(['warning 2', 'warning 3', 'warning 4', 'error 5']);
    expect(result.metadata).toEqual({ agents: [], extra: {} });
  });
});

describe("Claude Code's quote-and-retry, for every value it quotes (issue 12 findings, #9)", () => {
  it.each([
    ['argument-hint: *args', 'argument-hint', '*args', "alias '*args' refers to no anchor before it"],
    ['complexity: [', 'complexity', '[', 'Flow sequence in block collection'],
    ['description: > folded', 'description', '> folded', 'Not a YAML token: folded'],
    ['description: | literal', 'description', '| literal', 'Not a YAML token: literal'],
    ['description: !important', 'description', '!important', "the tag '!important' is not one YAML knows"],
    ['v: *nope', 'v', '*nope', "alias '*nope' refers to no anchor before it"],
  ])('reads `%s` as the text Claude Code reads, with a warning at the value that shows the quoted form', (line, key, text, why) => {
    const parsed = parse(`---\nname: kept\n${line}\n---\nbody\n`);
    expect(parsed.frontMatter.data).toEqual({ name: 'kept', [key]: text });
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'front-matter/lenient', location: expect.objectContaining({ line: 3, column: key.length + 3 }), message: expect.stringContaining(why), hint: `quote the value to make it valid YAML: ${key}: ${JSON.stringify(text)}` }),
    ]);
  });

  it('keeps a valid list beside a line it quotes, and leaves values already quoted alone', () => {
    const parsed = parse('---\nallowed-tools: [Read, Write]\nargument-hint: [pr-number] [priority]\nwhen_to_use: "a: b"\n---\n');
    expect(parsed.frontMatter.data).toEqual({ 'allowed-tools': ['Read', 'Write'], 'argument-hint': '[pr-number] [priority]', when_to_use: 'a: b' });
  });

  it('reads an unknown tag the retry does not reach without it, with a warning at the tag', () => {
    const parsed = parse('---\ndescription: ok\nlist:\n  - !thing value\n---\n');
    expect(parsed.frontMatter.data).toEqual({ description: 'ok', list: ['value'] });
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'front-matter/unknown-tag', location: expect.objectContaining({ line: 4, column: 5 }) })]);
  });

  it('says what a !!binary description is, and how to keep it as text', () => {
    const [diagnostic] = normalise('---\ndescription: !!binary aGk=\n---\nbody\n').diagnostics;
    expect(diagnostic).toMatchObject({ severity: 'warning', message: "description: binary data, not text (a '!!binary' value); ignored, as Claude Code ignores it", hint: 'quote the value to keep it as text: description: "!!binary aGk="' });
  });
});

describe("Claude Code's context, agent and model (issue 12 findings, #15)", () => {
  it('warns at an unknown context with "did you mean", and at an agent without context: fork', () => {
    const result = normalise('---\ncontext: forkk\nagent: reviewer\n---\n');
    expect(result.diagnostics.map((d) => [d.severity, d.location?.line, d.message, d.hint])).toEqual([["warning", 2, "context: 'forkk' is not a context Claude Code knows (only 'fork'); ignored", "did you mean 'fork'?"]]);
    const alone = normalise('---\nagent: reviewer\n---\n');
    expect(alone.diagnostics.map((d) => [d.severity, d.location?.line, d.message])).toEqual([['warning', 2, "agent: 'reviewer' has no effect without context: fork (Claude Code runs the command as that agent only then)"]]);
    expect(normalise('---\ncontext: fork\nagent: reviewer\n---\n').diagnostics).toEqual([]);
  });

  it('reads model: inherit as the default model (no model of its own)', () => {
    expect(normalise('---\nmodel: inherit\n---\n').metadata.model).toBeUndefined();
    expect(normalise('---\nmodel: opus\n---\n').metadata.model).toBe('opus');
  });
});

describe("front matter keys named after Object.prototype's properties (issue 12 findings, #3)", () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'])('keeps `%s: x` as a key of its own, beside valid keys, with no crash', (key) => {
    const result = normalise(`---\ndescription: kept\n${key}: x\ngates:\n  ${key}: false\nresources:\n  ${key}: 1\n---\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.metadata.description).toBe('kept');
    expect(Object.entries(result.metadata.extra)).toEqual([[key, 'x']]);
    expect(Object.entries(result.metadata.gates!)).toEqual([[key, false]]);
    expect(Object.entries(result.metadata.resources!)).toEqual([[key, 1]]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
