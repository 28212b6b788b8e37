import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Issue 12 findings, #12: `orch show` says what is wrong with the command it shows.
describe('orch show', () => {
  it("prints the command's own errors and warnings at file:line:col, and says where its description came from", () => {
    const dir = tempRepo({
      '.claude/commands/bad.md': '---\ndescription: The written one\nsteps:\n  - *nope\n---\nThe body line\n',
      '.claude/commands/odd.md': '---\ndescription: Odd\ncomplexity: standard\n---\nbody\n',
      '.claude/commands/other.md': '---\ncomplexity: huge\n---\nOther.\n',
    });
    const bad = runOrch(['show', 'bad'], dir);
    expect(bad.code).toBe(0);
    expect(bad.stderr).toMatch(/^\.claude\/commands\/bad\.md:4:5: error: front matter: alias '\*nope' refers to no anchor before it \[front-matter\/unknown-alias\]\n {2}4 \| {3}- \*nope\n/);
    expect(bad.stdout).toContain("  description:   The body line  (the body's first line: no description in front matter)\n");

    const odd = runOrch(['show', 'odd'], dir);
    expect(odd.stderr).toContain(".claude/commands/odd.md:3:13: warning: complexity: expected one of 'simple', 'medium', 'complex', found \"standard\"");
    // Only its own: the other file's warning is not shown.
    expect(odd.stderr).not.toContain('other.md');
  });
});

// Issue 12 findings, #9: Claude Code's quote-and-retry, end to end.
describe("values Claude Code quotes and reads again", () => {
  it('list, run and validate read them as text, with a warning suggesting quotes; a broken value of run is an error', () => {
    const dir = tempRepo({
      '.claude/commands/hint.md': '---\ndescription: Hint\nargument-hint: *args\nrun: echo "hint: ok"\n---\n',
      '.claude/commands/folded.md': '---\ndescription: > folded\n---\nbody\n',
      '.claude/commands/literal.md': '---\ndescription: | literal\n---\nbody\n',
      '.claude/commands/bang.md': '---\ndescription: !important\n---\nbody\n',
      '.claude/commands/blank.md': "---\ndescription: ''\n---\nFrom the body\n",
      '.claude/commands/level.md': '---\ndescription: Level\ncomplexity: [\n---\nbody\n',
      '.claude/commands/steps.md': '---\ndescription: Steps\nrun: [echo a\n---\n',
    });
    const list = runOrch(['list'], dir);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(
      ['bang     markdown  !important', 'blank    markdown  From the body', 'folded   markdown  > folded', 'hint     markdown  Hint', 'level    markdown  Level', 'literal  markdown  | literal', 'steps    markdown  Steps', ''].join('\n'),
    );
    const run = runOrch(['run', 'hint', '--reporter', 'plain'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('hint: hint: ok');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(".claude/commands/hint.md:3:16: warning: argument-hint: not valid YAML (alias '*args' refers to no anchor before it); read as the text written, as Claude Code reads it [front-matter/lenient]");
    expect(validate.stderr).toContain('hint: quote the value to make it valid YAML: argument-hint: "*args"');
    expect(validate.stderr).toContain(".claude/commands/hint.md:4:6: warning: run: not valid YAML (Nested mappings are not allowed in compact mappings); read as the text written");
    expect(validate.stderr).toContain(".claude/commands/bang.md:2:14: warning: description: not valid YAML (the tag '!important' is not one YAML knows); read as the text written");
    expect(validate.stderr).toMatch(/\.claude\/commands\/steps\.md:3:6: error: run: not valid YAML \(.*\); orch never reads run as a guess, since it changes what runs/);
    expect(validate.stdout).toBe('✖ 7 commands, 0 agents, 0 projects: 1 error, 7 warnings\n');
  });

  it('says what a !!binary description is', () => {
    const dir = tempRepo({ '.claude/commands/bin.md': '---\ndescription: !!binary aGk=\n---\nThe body\n' });
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain(".claude/commands/bin.md:2:23: warning: description: binary data, not text (a '!!binary' value); ignored, as Claude Code ignores it");
    expect(validate.stderr).toContain('hint: quote the value to keep it as text: description: "!!binary aGk="');
    expect(runOrch(['list'], dir).stdout).toBe('bin  markdown  The body\n');
  });
});

// Issue 12 findings, #13.
describe('messages', () => {
  it('orch show prints a number of a key orch does not read as written: version: 1.0 (findings R2 #17)', () => {
    const dir = tempRepo({ '.claude/commands/t.md': '---\ndescription: t\nversion: 1.0\n---\nbody\n' });
    expect(runOrch(['show', 't'], dir).stdout).toMatch(/ {2}version: +1\.0\n/);
  });

  it.each(['[hello, b', '*hello', '!tag hello', '[hello]]'])('dependencies: %s is one error, with no second one from a guess orch says it never makes (findings R2 #17)', (value) => {
    const dir = tempRepo({ '.claude/commands/t.md': `---\ndescription: t\ndependencies: ${value}\n---\nbody\n`, '.claude/commands/hello.md': '---\ndescription: h\n---\nhi\n' });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('orch never reads dependencies as a guess');
    expect(validate.stderr).not.toContain('graph/unknown-dependency');
  });

  it('a pnpm-lock.yaml that does not parse is named at its place when a run hashes (findings R2 #17)', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true }),
      'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
      'packages/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'echo built' } }),
      'pnpm-lock.yaml': 'lockfileVersion: 9.0\nimporters:\n  .: {\n  bad: [\n',
    });
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: pnpm-lock.yaml:5:1: the lockfile cannot be read (unexpected end of the stream within a flow collection)');
    expect(run.stderr).toContain("fix it, or regenerate it with your package manager's install");
  });

  it('a package name used twice is located at the second "name", with the first as related (findings R2 #17)', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/app/package.json': '{\n  "name": "app",\n  "scripts": { "build": "echo a" }\n}\n',
      'packages/lib/package.json': '{\n  "version": "1.0.0",\n  "name": "app",\n  "scripts": { "build": "echo b" }\n}\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain("packages/lib/package.json:3:11: error: two workspace packages are named 'app': packages/app and packages/lib; the first one is kept [workspace/duplicate-project]");
    expect(validate.stderr).toContain("packages/app/package.json:2:11: 'app' is first named here");
    expect(validate.stderr).toContain("duplicate command id 'app#build' (both from orch:workspace); the first one is kept");
  });

  it('an item of a list is named as written, env[0], never env0 (findings R2 #17)', () => {
    const dir = tempRepo({ '.claude/commands/bad.md': '---\ndescription: t\nenv:\n  - 1\n---\nbody\n', 'orchestrator.config.json': '{ "targets": { "build": { "inputs": [3] } } }' });
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain('.claude/commands/bad.md:4:5: error: env[0]: expected a string, found 1 [front-matter/invalid]');
    expect(validate.stderr).toContain('targets.build.inputs[0]: expected a string, found 3');
  });

  it('invalid plugin.json and settings.json: warnings at line:col that say what is still read', () => {
    const dir = tempRepo({
      '.claude/settings.json': JSON.stringify({ enabledPlugins: { 'myplug@local': true }, extraKnownMarketplaces: { local: { source: { source: 'directory', path: './market' } } } }),
      'market/.claude-plugin/marketplace.json': JSON.stringify({ name: 'local', plugins: [{ name: 'myplug', source: './myplug' }] }),
      'market/myplug/.claude-plugin/plugin.json': '{\n  "name": "myplug",\n  "commands": [,]\n}\n',
      'market/myplug/commands/hi.md': '---\ndescription: hi\n---\nHi.\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain("market/myplug/.claude-plugin/plugin.json:3:16: warning: not valid JSON: value expected; its name and paths are not read: the plugin's commands/ and skills/ folders are, as 'myplug' [plugins/invalid-json]");
    expect(validate.stderr).not.toMatch(/position \d+/);
    expect(runOrch(['list'], dir).stdout).toBe('myplug:hi  markdown  hi\n');

    writeFileSync(join(dir, '.claude/settings.json'), '{\n  "enabledPlugins": {\n    "myplug@local": true,\n  }\n}\n');
    const broken = runOrch(['validate'], dir);
    expect(broken.stderr).toContain('.claude/settings.json:4:3: warning: not valid JSON: property name expected; orch reads no Claude Code plugin it enables [plugins/invalid-json]');
    expect(runOrch(['list'], dir).stdout).toBe('');
  });

  it('a cycle through 20,000 commands is one short error: its first edges and how many more', () => {
    const commands = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`c${i}`, { run: 'echo', dependencies: [`c${(i + 1) % 20_000}`] }]));
    const dir = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands }) });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('error: dependency cycle: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> c8 -> c9 -> c10 -> … and 19990 more edges back to c0 [graph/cycle]');
    expect(validate.stderr.length).toBeLessThan(10_000);
  });
});
