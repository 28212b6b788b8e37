import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));
// The fake agent writes its calls to FAKE_AGENT_LOG, which strict mode passes only when named.
const config = JSON.stringify({ agent: { command: FAKE_CLAUDE }, globalPassThroughEnv: ['FAKE_AGENT_LOG'] });

type Row = { id: string; description: string | null; file: string; shadowedBy?: string; reachAs?: string; project?: string };
const listJson = (dir: string): Row[] => JSON.parse(runOrch(['list', '--json'], dir).stdout) as Row[];
/** The prompts the fake agent was given, in order. */
const prompts = (log: string): string[] => readFileSync(log, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { prompt: string }).prompt);

describe('descriptions', () => {
  it('a command without description is described by its body’s first line, heading marks removed', () => {
    const dir = tempRepo({
      '.claude/commands/tidy.md': '\n# Tidy the notes folder\n\nMove loose notes into folders.\n',
      '.claude/commands/plain.md': '---\nmodel: sonnet\n---\nSort the list by date.\n',
      '.claude/commands/told.md': '---\ndescription: Given one\n---\n# Heading\n',
    });
    const rows = Object.fromEntries(listJson(dir).map((row) => [row.id, row.description]));
    expect(rows).toEqual({ plain: 'Sort the list by date.', tidy: 'Tidy the notes folder', told: 'Given one' });
    expect(runOrch(['list'], dir).stdout).toContain('tidy   markdown  Tidy the notes folder');
  });
});

describe('arguments as Claude Code substitutes them', () => {
  const tree = {
    '.claude/commands/plain.md': '---\ndescription: x\n---\nTidy the notes.\n',
    '.claude/commands/prices.md': '---\ndescription: x\n---\nIt costs $100; SQL says `WHERE id = $1`; awk says `{print $0}`.\n',
    '.claude/commands/quote.md': '---\ndescription: x\n---\nAll: $ARGUMENTS. Second: $ARGUMENTS[1]. Literal: \\$1.\n',
    '.claude/commands/named.md': '---\ndescription: x\narguments: [target, base]\n---\nCompare $target with $base.\n',
    '.claude/commands/numbered.md': '---\ndescription: x\n---\nFirst $1, second $2.\n',
  };
  const render = (dir: string, name: string, ...args: string[]) => runOrch(['show', name, '--render', '--', ...args], dir).stdout;

  it('appends ARGUMENTS when there is no placeholder, keeps $N without an argument, keeps boundaries, escapes, names', () => {
    const dir = tempRepo(tree);
    expect(render(dir, 'plain', 'a', 'b')).toBe('Tidy the notes.\n\nARGUMENTS: a b\n\n');
    expect(render(dir, 'prices')).toBe('It costs $100; SQL says `WHERE id = $1`; awk says `{print $0}`.\n\n');
    expect(render(dir, 'quote', 'two words', 'b')).toBe('All: "two words" b. Second: b. Literal: $1.\n\n');
    expect(render(dir, 'named', 'src', 'main')).toBe('Compare src with main.\n\n');
  });

  it('$0 is the first argument by default; prompt.positionalBase: 1 serves trees where $1 is', () => {
    expect(render(tempRepo(tree), 'numbered', 'a', 'b')).toBe('First b, second $2.\n\n');
    const older = tempRepo({ ...tree, 'orchestrator.config.json': JSON.stringify({ prompt: { positionalBase: 1 } }) });
    expect(render(older, 'numbered', 'a', 'b')).toBe('First a, second b.\n\n');
  });
});

describe('names and resolution', () => {
  it('a file whose name holds a colon runs by its listed id and by Claude Code’s name', () => {
    const dir = tempRepo({ '.claude/commands/ui/ui:check.md': '---\ndescription: check the ui\n---\nCheck.\n', 'orchestrator.config.json': config });
    expect(listJson(dir).map((row) => row.id)).toEqual(['ui/ui:check']);
    for (const name of ['ui/ui:check', '/ui:ui:check', 'ui:ui:check']) {
      const shown = runOrch(['show', name], dir);
      expect(shown.code, name).toBe(0);
      expect(shown.stdout).toContain('ui/ui:check  (markdown, .claude/commands/ui/ui:check.md)');
    }
    expect(runOrch(['run', 'ui:ui:check'], dir).code).toBe(0);
    const refused = runOrch(['run', 'ui/ui:chek'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("did you mean 'ui/ui:check'");
    expect(refused.stderr).not.toContain("'ui/ui:chek'?");
  });

  const deployTree = {
    '.claude/commands/deploy.md': '---\ndescription: the file\n---\nDeploy by the file.\n',
    '.claude/commands/deploy/execute.md': '---\ndescription: the folder entry\n---\nDeploy by the folder.\n',
    '.claude/commands/release.md': '---\ndescription: needs deploy\ndependencies: [deploy]\n---\nRelease.\n',
  };

  it('deploy.md beside deploy/: list, show, run, validate and dependencies agree on folder first, and flag the file', () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = tempRepo({ ...deployTree, 'orchestrator.config.json': config });
    const deploy = listJson(dir).find((row) => row.id === 'deploy')!;
    expect(deploy).toMatchObject({ shadowedBy: 'deploy/execute', reachAs: 'deploy.md' });
    expect(runOrch(['list'], dir).stdout).toContain('[shadowed by deploy/execute: run it as deploy.md] the file');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout + validate.stderr).toContain(".claude/commands/deploy.md:1:1: warning: both 'deploy.md' and the folder 'deploy/' exist; folder-first resolution runs 'deploy/execute'");
    const shown = runOrch(['show', 'deploy'], dir);
    expect(shown.stdout).toContain('deploy/execute  (markdown');
    expect(shown.stderr).toContain("Name 'deploy.md' to run the file instead");
    expect(runOrch(['graph', 'release', '--json'], dir).stdout).toContain('deploy/execute');
    expect(runOrch(['run', 'deploy'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    expect(runOrch(['run', 'deploy.md'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    expect(prompts(log)).toEqual(['Deploy by the folder.\n', 'Deploy by the file.\n']);
  });

  it("resolution: 'file-first' runs deploy.md for deploy, as Claude Code does, and flags nothing", () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = tempRepo({ ...deployTree, 'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE }, resolution: 'file-first', globalPassThroughEnv: ['FAKE_AGENT_LOG'] }) });
    expect(listJson(dir).find((row) => row.id === 'deploy')!.shadowedBy).toBeUndefined();
    const validate = runOrch(['validate'], dir);
    expect(validate.stdout + validate.stderr).not.toContain('folder-first');
    expect(runOrch(['show', 'deploy'], dir).stdout).toContain('deploy  (markdown, .claude/commands/deploy.md)');
    const graph = JSON.parse(runOrch(['graph', 'release', '--json'], dir).stdout) as { nodes: { id: string }[] };
    expect(graph.nodes.map((node) => node.id).sort()).toEqual(['deploy', 'release']);
    expect(runOrch(['run', 'deploy', '--only'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    expect(runOrch(['run', 'deploy/execute'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    expect(prompts(log)).toEqual(['Deploy by the file.\n', 'Deploy by the folder.\n']);
  });
});

describe('skills and plugins', () => {
  const asCommands = {
    '.claude/commands/review.md': '---\ndescription: review a file\nargument-hint: <file>\n---\nReview $ARGUMENTS with care.\n',
    '.claude/commands/notes.md': '---\ndescription: write notes\n---\nWrite notes.\n',
  };
  const asSkills = {
    '.claude/skills/review/SKILL.md': asCommands['.claude/commands/review.md'],
    '.claude/skills/review/checklist.md': 'a file beside the skill, not a command\n',
    '.claude/skills/notes/SKILL.md': asCommands['.claude/commands/notes.md'],
  };

  it('a tree installed as skills lists and runs like the same tree installed as commands', () => {
    const results = [asCommands, asSkills].map((tree) => {
      const log = join(tempRepo(), 'calls.jsonl');
      const dir = tempRepo({ ...tree, 'orchestrator.config.json': config });
      const rows = listJson(dir).map(({ id, description }) => ({ id, description }));
      const run = runOrch(['run', 'review', '--', 'src/a.ts'], dir, { FAKE_AGENT_LOG: log });
      expect(run.code).toBe(0);
      return { rows, prompts: prompts(log), text: runOrch(['list'], dir).stdout };
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.prompts).toEqual(['Review src/a.ts with care.\n']);
  });

  it('a skill wins over a command of the same name, with a warning; ${CLAUDE_SKILL_DIR} is its folder', () => {
    const dir = tempRepo({
      '.claude/commands/review.md': '---\ndescription: the command\n---\nFrom the command.\n',
      '.claude/skills/review/SKILL.md': '---\ndescription: the skill\n---\nRun ${CLAUDE_SKILL_DIR}/check.sh\n',
    });
    expect(listJson(dir).map(({ id, description }) => ({ id, description }))).toEqual([{ id: 'review', description: 'the skill' }]);
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout + validate.stderr).toContain("the skill 'review'");
    expect(runOrch(['show', 'review', '--render'], dir).stdout).toBe(`Run ${join(dir, '.claude/skills/review')}/check.sh\n\n`);
  });

  it('a package’s own .claude/skills are namespaced by the package', () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/web/package.json': JSON.stringify({ name: 'web', scripts: { build: 'node -e 0' } }),
      'packages/web/.claude/skills/lint-rules/SKILL.md': '---\ndescription: web lint rules\n---\nApply the rules.\n',
      '.claude/skills/lint-rules/SKILL.md': '---\ndescription: root lint rules\n---\nApply the root rules.\n',
    });
    const rows = listJson(dir).filter((row) => row.id.includes('lint-rules'));
    expect(rows.map(({ id, description, project }) => ({ id, description, project }))).toEqual([
      { id: 'lint-rules', description: 'root lint rules', project: undefined },
      { id: 'web#lint-rules', description: 'web lint rules', project: 'web' },
    ]);
    expect(runOrch(['show', 'web:lint-rules', '--render'], dir).stdout).toBe('Apply the rules.\n\n');
  });

  it('reads the commands and skills of a Claude Code plugin the project enables from a marketplace in the repository', () => {
    const dir = tempRepo({
      '.claude/settings.json': JSON.stringify({
        enabledPlugins: { 'tools@local': true, 'remote@elsewhere': true, 'off@local': false },
        extraKnownMarketplaces: { local: { source: { source: 'directory', path: './market' } }, elsewhere: { source: { source: 'github', repo: 'owner/repo' } } },
      }),
      'market/.claude-plugin/marketplace.json': JSON.stringify({ name: 'local', owner: { name: 'x' }, plugins: [{ name: 'tools', source: './plugins/tools' }, { name: 'off', source: './plugins/off' }] }),
      'market/plugins/tools/.claude-plugin/plugin.json': JSON.stringify({ name: 'tools' }),
      'market/plugins/tools/commands/format.md': '---\ndescription: format files\n---\nFormat with ${CLAUDE_PLUGIN_ROOT}/fmt.sh\n',
      'market/plugins/tools/commands/git/tidy.md': '---\ndescription: tidy branches\n---\nTidy.\n',
      'market/plugins/tools/skills/explain/SKILL.md': '---\ndescription: explain code\n---\nExplain.\n',
      'market/plugins/off/commands/hidden.md': 'Hidden.\n',
    });
    expect(listJson(dir).map((row) => row.id)).toEqual(['tools:explain', 'tools:format', 'tools:git/tidy']);
    expect(runOrch(['show', '/tools:format', '--render'], dir).stdout).toBe(`Format with ${join(dir, 'market/plugins/tools')}/fmt.sh\n\n`);
    expect(runOrch(['show', 'tools:git:tidy'], dir).code).toBe(0);
    const validate = runOrch(['validate'], dir);
    expect(validate.stdout + validate.stderr).toContain("Claude Code plugin 'remote@elsewhere' is skipped: its marketplace 'elsewhere' comes from a github source (owner/repo), not from this repository");
  });

  // Findings R2 #8: plugin.json paths were not confined; #17: plugins/skipped warnings had no line:col.
  it("a plugin.json path that leaves the plugin's folder is skipped with a located warning, and nothing outside is read", () => {
    const parent = tempRepo({ 'outplug/commands/evil.md': '---\ndescription: outside plugin cmd\n---\nOUTSIDE\n' }, { git: false });
    const dir = join(parent, 'repo');
    writeTree(dir, {
      '.claude/settings.json': '{\n  "enabledPlugins": { "tools2@mk": true },\n  "extraKnownMarketplaces": { "mk": { "source": { "source": "directory", "path": "./market" } } }\n}\n',
      'market/.claude-plugin/marketplace.json': JSON.stringify({ name: 'mk', owner: { name: 'x' }, plugins: [{ name: 'tools2', source: './p2' }] }),
      'market/p2/.claude-plugin/plugin.json': '{\n  "name": "tools2",\n  "commands": ["./extra/ok.md", "../../../outplug/commands/evil.md"],\n  "skills": "/etc"\n}\n',
      'market/p2/extra/ok.md': '---\ndescription: inside\n---\nINSIDE\n',
    });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    expect(listJson(dir).map((row) => row.id)).toEqual(['tools2:ok']);
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain("market/p2/.claude-plugin/plugin.json:3:33: warning: Claude Code plugin 'tools2@mk': commands path '../../../outplug/commands/evil.md' leaves the plugin's folder; it is skipped [plugins/skipped]");
    expect(validate.stderr).toContain("market/p2/.claude-plugin/plugin.json:4:13: warning: Claude Code plugin 'tools2@mk': skills path '/etc' leaves the plugin's folder; it is skipped [plugins/skipped]");
    expect(runOrch(['run', 'tools2:evil'], dir).code).toBe(2);
  });

  it('plugins/skipped warnings are located at the key that says it, and wrong types are reported', () => {
    const dir = tempRepo({
      '.claude/settings.json': '{\n  "enabledPlugins": { "remote@elsewhere": true, "gone@mk": true },\n  "extraKnownMarketplaces": {\n    "elsewhere": { "source": { "source": "github", "repo": "o/r" } },\n    "mk": { "source": { "source": "directory", "path": "./market" } }\n  }\n}\n',
      '.claude/settings.local.json': '{ "extraKnownMarketplaces": 5 }\n',
      'market/.claude-plugin/marketplace.json': '{ "name": "mk", "plugins": [] }\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain(".claude/settings.json:2:23: warning: Claude Code plugin 'remote@elsewhere' is skipped: its marketplace 'elsewhere' comes from a github source (o/r), not from this repository [plugins/skipped]");
    expect(validate.stderr).toContain("market/.claude-plugin/marketplace.json:1:28: warning: Claude Code plugin 'gone@mk' is skipped: the marketplace does not list 'gone' [plugins/skipped]");
    expect(validate.stderr).toContain('.claude/settings.local.json:1:29: warning: extraKnownMarketplaces is a number, not an object; orch reads no plugin from it [plugins/skipped]');
  });

  it('a change to a file in a skill’s folder changes its hash and affects it', () => {
    const dir = tempRepo({
      'orchestrator.config.json': config,
      // inputs: [] so that only the skill's definition (its folder) is hashed.
      '.claude/skills/review/SKILL.md': '---\ndescription: review\ninputs: []\n---\nUse the checklist beside this file.\n',
      '.claude/skills/review/checklist.md': 'one\n',
    });
    execFileSync('git', ['checkout', '-qb', 'main'], { cwd: dir });
    commitAll(dir);
    const explain = () => (JSON.parse(runOrch(['explain', 'review', '--json'], dir).stdout) as { hash: string; inputs: { definition: Record<string, string>; files: object } }[])[0]!;
    expect(Object.keys(explain().inputs.definition)).toContain('.claude/skills/review/checklist.md');
    expect(explain().inputs.files).toEqual({});
    const hash = () => explain().hash;
    const before = hash();
    writeTree(dir, { '.claude/skills/review/checklist.md': 'two\n' });
    expect(hash()).not.toBe(before);
    const affected = JSON.parse(runOrch(['affected', '--list', '--json'], dir).stdout) as { commands: { name: string; reasons: string[] }[]; outside: string[] };
    expect(affected.commands).toEqual([{ name: 'review', reasons: ['changed: .claude/skills/review/checklist.md (skill folder)'] }]);
    expect(affected.outside).toEqual([]);
  });
});

describe('affected says one thing', () => {
  it('a partial that affected a command through an @ include is not also listed as outside every project', () => {
    const dir = tempRepo({
      // `inputs: []`: it reads its definition only (without it, every file may be an input).
      '.claude/commands/review.md': '---\ndescription: review\ninputs: []\n---\nFollow @notes/rules.md\n',
      'notes/rules.md': 'be kind\n',
      'notes/unrelated.md': 'x\n',
    });
    execFileSync('git', ['checkout', '-qb', 'main'], { cwd: dir });
    commitAll(dir);
    writeTree(dir, { 'notes/rules.md': 'be kinder\n', 'notes/unrelated.md': 'y\n' });
    const listed = runOrch(['affected', '--list'], dir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('review  changed: notes/rules.md (included)');
    expect(listed.stdout).toContain('outside every project (affect nothing): notes/unrelated.md\n');
    expect(listed.stdout).not.toMatch(/outside every project[^\n]*notes\/rules\.md/);
  });
});
