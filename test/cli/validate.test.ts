import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

describe('orch validate', () => {
  it('reports every problem of a repository in one pass, each with file:line:col, and exits 2', () => {
    const dir = tempRepo({
      'orchestrator.config.ts': "export default { commandsDir: ['.claude/commands', 'more'] };\n",
      '.claude/commands/ok.md': '---\ndescription: fine\n---\nbody\n',
      '.claude/commands/yaml.md': '---\ndescription: fine\ninputs: [a, b\nrun: x\n---\n',
      '.claude/commands/list.md': '---\n- a\n---\n',
      '.claude/commands/types.md': '---\ncomplexity: hard\n---\n',
      '.claude/commands/typo.md': '---\ndependancies: [ok]\n---\n',
      '.claude/commands/unknown-dep.md': '---\ndependencies: [okk]\n---\n',
      '.claude/commands/cycle/a.md': '---\ndependencies: [cycle/b]\n---\n',
      '.claude/commands/cycle/b.md': '---\ndescription: b\ndependencies:\n  - cycle/a\n---\n',
      '.claude/commands/empty.md': '',
      '.claude/commands/latin1.md': Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x64, 0x3a, 0x20, 0xe9, 0x0a, 0x2d, 0x2d, 0x2d, 0x0a]),
      'more/ok.md': '---\ndescription: again\n---\n',
    });
    symlinkSync(join(dir, '.claude', 'commands'), join(dir, '.claude', 'commands', 'cycle', 'loop'));
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(2);
    const problems = [...run.stderr.matchAll(/^(\S+?)(?::(\d+):(\d+))?: (error|warning): (.*) \[(\S+)\]$/gm)].map((m) => `${m[4]} ${m[1]}:${m[2]} ${m[6]}`);
    expect(problems.sort()).toEqual(
      [
        'error .claude/commands/cycle/a.md:2 graph/cycle',
        'error .claude/commands/latin1.md:2 file/not-utf8',
        'error .claude/commands/list.md:2 front-matter/not-a-mapping',
        'error .claude/commands/typo.md:2 front-matter/invalid',
        'error .claude/commands/unknown-dep.md:2 graph/unknown-dependency',
        'error .claude/commands/yaml.md:3 front-matter/yaml',
        'error more/ok.md:1 command/duplicate-id',
        'warning .claude/commands/cycle/loop:undefined commands/symlink-loop',
        'warning .claude/commands/empty.md:1 front-matter/empty-file',
        'warning .claude/commands/types.md:2 front-matter/invalid',
      ].sort(),
    );
    expect(run.stdout).toMatch(/^✖ \d+ commands, 0 agents, 0 projects: 7 errors, 3 warnings\n$/);
    expect(run.stderr).toContain("dependency cycle: cycle/a -> cycle/b -> cycle/a");
    expect(run.stderr).toContain("- .claude/commands/cycle/b.md:4:5: cycle/b -> cycle/a (as 'cycle/a')");
    expect(run.stderr).toContain("hint: did you mean 'dependencies'?");
    expect(run.stderr).toContain("hint: did you mean 'ok'?");
    expect(run.stderr).toMatch(/types\.md:2:13: warning: complexity: expected one of 'simple', 'medium', 'complex', found "hard"; ignored/);
    expect(run.stderr).toContain('  2 | complexity: hard\n    |             ~~~~');
  });

  it('reports config problems with the key and a suggestion, and --json carries them', () => {
    const dir = tempRepo({ 'orchestrator.config.ts': "export default {\n  stateDri: '.state',\n};\n" });
    const run = runOrch(['validate', '--json'], dir);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { errors: number; diagnostics: { message: string; hint: string; location: { line: number } }[] };
    expect(report.errors).toBe(1);
    expect(report.diagnostics[0]).toMatchObject({ message: "unknown key 'stateDri'", location: { line: 2 } });
    expect(report.diagnostics[0]!.hint).toContain("did you mean 'stateDir'?");
  });

  it('a wrong value in one setting does not hide the problems of the rest of the config (findings 15 #17j)', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'echo a', test: 'echo t' } }),
      'packages/b/package.json': JSON.stringify({ name: 'b', scripts: { build: 'echo b' }, dependencies: { a: '*' } }),
      'orchestrator.config.ts': "export default {\n  stateDri: '.state',\n  targets: {\n    build: { dependsOn: '^build' },\n    test: { dependsOn: ['^nope'] },\n  },\n  commands: { hi: { run: 'echo hi', dependencies: ['hello'] } },\n};\n",
    });
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(2);
    const problems = [...run.stderr.matchAll(/^(\S+?):(\d+):\d+: error: (.*) \[(\S+)\]$/gm)].map((m) => `${m[2]} ${m[4]} ${m[3]}`);
    expect(problems).toEqual([
      "2 config/invalid unknown key 'stateDri'",
      '4 config/invalid targets.build.dependsOn: expected a list, found "^build"',
      "5 graph/unknown-dependency a#test: dependency '^nope' names no task: no package has a 'nope' script",
      expect.stringMatching(/^7 graph\/unknown-dependency .*'hello'/),
    ]);
  });

  it('--json reports a config that cannot load as a located diagnostic too', () => {
    const run = runOrch(['validate', '--json'], tempRepo({ '.orchrc.json': '{\n  "stateDir": ".state",,\n}\n' }));
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { errors: number; diagnostics: { code: string; location: { line: number; column: number } }[] };
    expect(report).toMatchObject({ errors: 1, diagnostics: [{ code: 'config/load-failed', location: { line: 2, column: 24 } }] });
  });

  it('still checks the command files when the config cannot be loaded, with the default settings, and says so (findings 12 #13)', () => {
    const dir = tempRepo({
      'orchestrator.config.json': '{ "commandsDir": ".claude/commands", }\n',
      '.claude/commands/ok.md': '---\ndescription: fine\n---\nbody\n',
      '.claude/commands/bad.md': '---\ndescription: x\ndependencies: [nope]\n---\nbody\n',
    });
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n');
    const configError = lines.findIndex((line) => line.startsWith('orchestrator.config.json:1:38: error: not valid JSON'));
    const note = lines.findIndex((line) => line.startsWith('note: orchestrator.config.json could not be loaded: the command files were checked with the default settings'));
    const fileError = lines.findIndex((line) => line.startsWith(".claude/commands/bad.md:3:16: error: bad: dependency on an unknown command 'nope'"));
    expect(configError).toBeGreaterThanOrEqual(0);
    expect(note).toBeGreaterThan(configError);
    expect(fileError).toBeGreaterThan(note);
    expect(run.stdout).toBe('✖ 2 commands, 0 agents, 0 projects: 2 errors, 0 warnings\n');
    const json = JSON.parse(runOrch(['validate', '--json'], dir).stdout) as { configLoaded: boolean; errors: number; diagnostics: { code: string }[] };
    expect(json).toMatchObject({ configLoaded: false, errors: 2 });
    expect(json.diagnostics.map((d) => d.code)).toEqual(['config/load-failed', 'graph/unknown-dependency']);
  });

  it.each([
    ['a config that throws', { 'orchestrator.config.mjs': 'throw new Error("missing secret");\n' }, /^orchestrator\.config\.mjs:1:7: error: missing secret \[config\/load-failed\]$/m],
    ['a config that exports nothing', { 'orchestrator.config.ts': 'const x = 1;\n' }, /orchestrator\.config\.ts exports no configuration/],
    ['an unknown plugin package', { 'orchestrator.config.ts': "export default { plugins: ['orch-gate-nope'] };\n" }, /plugin package 'orch-gate-nope' .* is not installed/],
    // Found by a fresh tester (session 26): the folder was named, with an empty reason and no place.
    ['a root package.json cut short', { 'package.json': '{\n  "name": "root",\n' }, /^package\.json:3:1: error: not valid JSON: property name expected \[config\/load-failed\]$/m],
    ['a root package.json that is null', { 'package.json': 'null\n' }, /^package\.json:1:1: error: a package\.json must be a JSON object; found null \[config\/load-failed\]$/m],
    ['an empty root package.json', { 'package.json': '' }, /^package\.json:1:1: error: package\.json is empty: not valid JSON \[config\/load-failed\]$/m],
  ])('fails with exit 2 and a clear message for %s', (_name, files, message) => {
    const run = runOrch(['validate'], tempRepo(files));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('hint:');
  });

  it('reports gate names no plugin provides, in the config and in front matter, each at its place with did you mean', () => {
    const dir = tempRepo({
      'orchestrator.config.ts': "export default {\n  gates: { 'orch:saftey': false },\n  targets: { build: { gates: { 'orch:side-effect': false } } },\n};\n",
      '.claude/commands/check.md': '---\ndescription: Check\ngates:\n  orch:documentaton: false\n---\nbody\n',
      '.claude/commands/listed.md': '---\ndescription: Listed\ngates: [orch:safety, orch:nope]\n---\nbody\n',
    });
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^orchestrator\.config\.ts:2:12: error: no gate is named 'orch:saftey' \[gates\/unknown\]\n(.*\n){2}  hint: did you mean 'orch:safety'\?/m);
    expect(run.stderr).toMatch(/^orchestrator\.config\.ts:3:32: error: no gate is named 'orch:side-effect'/m);
    expect(run.stderr).toMatch(/^\.claude\/commands\/check\.md:4:3: error: no gate is named 'orch:documentaton'/m);
    expect(run.stderr).toMatch(/^\.claude\/commands\/listed\.md:3:22: error: no gate is named 'orch:nope'/m);
  });

  it('honours cache: false on a config command, as docs/caching.md says: never stored, never restored', () => {
    const dir = tempRepo({ 'orchestrator.config.ts': "export default { commands: { stamp: { run: 'echo stamped', cache: false, inputs: [] } } };\n" });
    expect(runOrch(['run', 'stamp', '--dry-run'], dir).stdout).toMatch(/stamp .*cache off\]/);
    for (let i = 0; i < 2; i++) {
      const run = runOrch(['run', 'stamp', '--reporter', 'plain'], dir, { CI: '1' });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('cached');
    }
  });
});
