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
    const parsed = parse('---\ndescription: ok\nagents: [a, b\nrun: x\n---\nbody');
    expect(parsed.diagnostics).toHaveLength(1);
    const [diagnostic] = parsed.diagnostics;
    expect(diagnostic).toMatchObject({ severity: 'error', code: 'front-matter/yaml', location: { file: '/repo/cmd.md', line: 4, column: 1 } });
    expect(diagnostic!.message).toContain('must be sufficiently indented and end with a ]');
    expect(parsed.frontMatter.data).toEqual({});
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
