import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { RACY_MS } from '../../packages/plugins/src/cache/outputsFingerprint.js';
import { affected, commit, explain, git, manifest, ran, run, workspace } from '../helpers/hashWorkspace.js';

// FINDINGS-R2 #1-#4, #9, #14: what a task reads and is changed by that its hash left out (or
// what a restore destroyed). Each test makes the change in a real git repository and checks
// the hash (a run runs again, `explain` names the change) and `orch affected` alike.

const outside = mkdtempSync(join(tmpdir(), 'orch-outside-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const reads = (file: string) => manifest('lib', { reads: [file] });

describe('file names git quotes (#1)', () => {
  it.each([['new\nline.txt'], ['cr\r.txt'], ['back\\slash.txt'], ['tab\t"q".txt']])('%j is hashed, and its edit misses the cache as affected lists it', (name) => {
    const dir = workspace({ 'p/lib/package.json': reads(`src/${name}`), [`p/lib/src/${name}`]: 'v1\n' });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(Object.keys(explain(dir, 'lib#build').inputs.files)).toContain(`p/lib/src/${name}`);
    writeTree(dir, { [`p/lib/src/${name}`]: 'v2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: [`changed: p/lib/src/${name}`] });
    expect(affected(dir, '--files', `p/lib/src/${name}`)).toEqual({ lib: [`changed: p/lib/src/${name}`] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/dist/out.txt'), 'utf8')).toBe('libv2\n');
  });

  it('affected --list and explain print a line break in a name escaped, on one line', () => {
    const dir = workspace({ 'p/lib/package.json': manifest('lib'), 'p/lib/src/new\nline.txt': 'v1\n' });
    run(dir, 'build');
    writeTree(dir, { 'p/lib/src/new\nline.txt': 'v2\n' });
    const listed = runOrch(['affected', '--list', '--base', 'HEAD'], dir).stdout;
    expect(listed).toContain('lib  changed: p/lib/src/new\\x0aline.txt\n');
    const explained = runOrch(['explain', 'lib#build'], dir).stdout;
    expect(explained).toMatch(/\n {2}file: +p\/lib\/src\/new\\x0aline\.txt [0-9a-f]{12}\n/);
    expect(explained).toContain('\n    changed: p/lib/src/new\\x0aline.txt\n');
  });

  it.each([['--skip-worktree'], ['--assume-unchanged']])('a file marked %s: its edit misses the cache, and affected lists it', (flag) => {
    const dir = workspace({ 'p/lib/package.json': reads('src/a.txt'), 'p/lib/src/a.txt': 'v1\n' });
    run(dir, 'build');
    ran(dir);
    git(dir, 'update-index', flag, 'p/lib/src/a.txt');
    writeTree(dir, { 'p/lib/src/a.txt': 'local\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: ['changed: p/lib/src/a.txt'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/dist/out.txt'), 'utf8')).toBe('liblocal\n');
  });
});

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));

describe('definition files that are links out of the repository (#2)', () => {
  const prompts = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line).prompt as string) : []);

  it.each([
    ['an @ include', '.claude/commands/_shared/ext.md', { '.claude/commands/use.md': '---\ndescription: u\n---\nInclude: @_shared/ext.md\n' }, 'use'],
    ['a command file', '.claude/commands/use.md', {}, 'use'],
    ['an agent file', '.claude/agents/ag.md', { '.claude/commands/use.md': '---\ndescription: u\nagents: [ag]\n---\nUse the agent.\n' }, 'use'],
    ['a skill file', '.claude/skills/use/SKILL.md', {}, 'use'],
  ])('%s: what it leads to is hashed, so an edit there runs the agent again', (_what, link, files, id) => {
    const target = join(mkdtempSync(join(outside, 'def-')), 'shared.md');
    const text = (v: string) => (link.includes('agents/') ? `---\nname: ag\ndescription: a\n---\nAGENT ${v}\n` : link.endsWith('use.md') || link.endsWith('SKILL.md') ? `---\ndescription: u\n---\nCMD ${v}\n` : `EXTERNAL ${v}\n`);
    writeFileSync(target, text('v1'));
    const log = join(outside, `${id}-${Math.random()}.log`);
    const dir = workspace({ 'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE }, globalPassThroughEnv: ['FAKE_AGENT_LOG'] }), ...files });
    mkdirSync(join(dir, link, '..'), { recursive: true });
    symlinkSync(target, join(dir, link));
    commit(dir, 'link');
    expect(runOrch(['run', id], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    writeFileSync(target, text('v2'));
    expect(explain(dir, id).changes).toEqual([`definition ${link} changed`]);
    expect(runOrch(['run', id], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    const seen = prompts(log);
    expect(seen).toHaveLength(2);
    if (!link.includes('agents/')) expect(seen[1]).toContain('v2');
  });
});

describe('an @ include that is a link to another file of the repository (#2)', () => {
  it("what it leads to is hashed, and affected lists the command for the target's change", () => {
    const dir = workspace({
      'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE } }),
      'docs/style.md': 'Style v1\n',
      '.claude/commands/use.md': '---\ndescription: u\ninputs: []\n---\nFollow @_shared/style.md\n',
    });
    mkdirSync(join(dir, '.claude/commands/_shared'));
    symlinkSync('../../../docs/style.md', join(dir, '.claude/commands/_shared/style.md'));
    commit(dir, 'link');
    expect(runOrch(['run', 'use'], dir).code).toBe(0);
    writeTree(dir, { 'docs/style.md': 'Style v2\n' });
    const listed = JSON.parse(runOrch(['affected', '--list', '--json', '--base', 'HEAD'], dir).stdout);
    expect(listed.commands).toEqual([{ name: 'use', reasons: ['changed: docs/style.md (included) (through the link .claude/commands/_shared/style.md)'] }]);
    const why = explain(dir, 'use');
    expect(why.cache).toBe('miss');
    expect(why.changes).toEqual(['definition .claude/commands/_shared/style.md changed']);
  });
});

describe('git repositories inside a package (#3)', () => {
  const submodule = () => {
    const sub = mkdtempSync(join(outside, 'sub-'));
    git(sub, 'init', '-q');
    writeFileSync(join(sub, 's.txt'), 's1\n');
    git(sub, 'add', '-A');
    git(sub, 'commit', '-qm', 's');
    const dir = workspace({ 'p/lib/package.json': reads('vendor/s.txt') });
    git(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'p/lib/vendor');
    commit(dir, 'submodule');
    return dir;
  };

  it('a dirty file in a submodule, then a commit there the parent has not recorded: each misses, as affected lists lib', () => {
    const dir = submodule();
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    writeTree(dir, { 'p/lib/vendor/s.txt': 's2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: ['changed: p/lib/vendor'] });
    expect(explain(dir, 'lib#build').changes).toEqual(['changed: p/lib/vendor/s.txt']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    writeTree(dir, { 'p/lib/vendor/s.txt': 's3\n' });
    git(join(dir, 'p/lib/vendor'), 'commit', '-qam', 's3');
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: ['changed: p/lib/vendor'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/dist/out.txt'), 'utf8')).toBe('libs3\n');
  });

  it("an untracked nested repository's files are hashed", () => {
    const dir = workspace({ 'p/lib/package.json': reads('nested/n.txt') });
    writeTree(dir, { 'p/lib/nested/n.txt': 'n1\n' });
    git(join(dir, 'p/lib/nested'), 'init', '-q');
    run(dir, 'build');
    ran(dir);
    expect(Object.keys(explain(dir, 'lib#build').inputs.files)).toContain('p/lib/nested/n.txt');
    writeTree(dir, { 'p/lib/nested/n.txt': 'n2\n' });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
  });
});

describe('a gitignored file named in globalInputs (#4)', () => {
  it('.env is hashed: its edit misses every task, as affected --files .env lists every project', () => {
    const dir = workspace({ '.gitignore': '.orch/\nruns.log\ndist/\n.env\n', 'p/lib/package.json': reads('../../.env') }, { globalInputs: ['.env'] });
    writeTree(dir, { '.env': 'A=1\n' });
    run(dir, 'build');
    ran(dir);
    expect(explain(dir, 'lib#build').ignoredByGit).toEqual(['.env']);
    writeTree(dir, { '.env': 'A=2\n' });
    expect(affected(dir, '--files', '.env')).toEqual({ lib: ['global input: changed: .env'] });
    expect(explain(dir, 'lib#build').changes).toEqual(['changed: .env (ignored by git)']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/dist/out.txt'), 'utf8')).toBe('libA=2\n');
  });
});

describe('outputs that cover sources (#9)', () => {
  it('outputs: ["**"] on a root command: a hit neither deletes untracked work nor reverts an edit, and says so', () => {
    const dir = workspace({ 'src/a.txt': 'hello\n' }, { commands: { gen: { description: 'g', run: 'echo gen > g.txt', outputs: ['**'], inputs: [] } } });
    expect(runOrch(['run', 'gen'], dir).code).toBe(0);
    writeTree(dir, { 'notes.txt': 'my uncommitted work\n', 'src/a.txt': 'hello\nedit\n' });
    const again = runOrch(['run', 'gen'], dir);
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my uncommitted work\n');
    expect(readFileSync(join(dir, 'src/a.txt'), 'utf8')).toBe('hello\nedit\n');
    expect(again.stdout + again.stderr).toContain('gen: the restore kept a file its outputs match but git tracks or does not ignore: notes.txt');
    expect(again.stdout + again.stderr).toContain('gen: the restore did not overwrite a file its outputs match but git tracks or does not ignore: src/a.txt');
  });

  it('an output edited by hand that git does not ignore is not overwritten, never taken for the cached one: once ignored, the next hit restores it', async () => {
    const dir = workspace({ '.gitignore': '.orch/\nruns.log\n', 'p/lib/package.json': manifest('lib') });
    run(dir, 'build');
    ran(dir);
    const out = join(dir, 'p/lib/dist/out.txt');
    writeFileSync(out, 'edited by hand\n');
    // Its times older than a fingerprint's racy window (RACY_MS): stat data alone would then decide.
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 200));
    for (let round = 0; round < 2; round++) {
      const hit = run(dir, 'build');
      expect(hit.stdout + hit.stderr).toContain('lib#build: the restore did not overwrite a file its outputs match but git tracks or does not ignore: dist/out.txt');
      expect(readFileSync(out, 'utf8')).toBe('edited by hand\n');
    }
    writeFileSync(join(dir, '.gitignore'), '.orch/\nruns.log\ndist/\n');
    commit(dir, 'ignore dist');
    const restored = run(dir, 'build');
    expect(ran(dir)).toEqual([]);
    expect(restored.stdout + restored.stderr).toContain('(cached local');
    expect(readFileSync(out, 'utf8')).toBe('lib');
  });

  it('outputs: ["**"] on a package target with default inputs: its tracked sources stay inputs, an edit runs the build, new work is kept', () => {
    const dir = workspace({ 'p/lib/package.json': reads('src/a.txt'), 'p/lib/src/a.txt': 'v1\n' }, { targets: { build: { outputs: ['**'] } } });
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { 'p/lib/src/a.txt': 'v2\n', 'p/lib/src/new.txt': 'new work\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: ['changed: p/lib/src/a.txt'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/src/a.txt'), 'utf8')).toBe('v2\n');
    // A hit now: nothing is deleted or reverted.
    const again = run(dir, 'build');
    expect(ran(dir)).toEqual([]);
    expect(again.stdout + again.stderr).toContain('(cached local');
    expect(readFileSync(join(dir, 'p/lib/src/new.txt'), 'utf8')).toBe('new work\n');
    expect(readFileSync(join(dir, 'p/lib/src/a.txt'), 'utf8')).toBe('v2\n');
  });

  it('a tracked src/global.d.ts under src/**/*.d.ts stays an input: its edit misses, as affected lists lib, and is never reverted', () => {
    const dir = workspace({ 'p/lib/package.json': reads('src/global.d.ts'), 'p/lib/src/global.d.ts': 'declare v1\n' }, { targets: { build: { outputs: ['dist/**', 'src/**/*.d.ts'] } } });
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { 'p/lib/src/global.d.ts': 'declare v2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ lib: ['changed: p/lib/src/global.d.ts'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
    expect(readFileSync(join(dir, 'p/lib/src/global.d.ts'), 'utf8')).toBe('declare v2\n');
    expect(readFileSync(join(dir, 'p/lib/dist/out.txt'), 'utf8')).toBe('libdeclare v2\n');
  });

  it('an outputs glob that matches tracked files is a warning at its line', () => {
    const dir = workspace({ 'p/lib/package.json': manifest('lib'), 'p/lib/src/global.d.ts': 'declare\n' });
    writeTree(dir, { 'orchestrator.config.json': '{\n  "targets": {\n    "build": { "outputs": ["dist/**", "src/**/*.d.ts"] }\n  }\n}\n' });
    const result = runOrch(['validate'], dir);
    expect(result.stdout + result.stderr).toContain("orchestrator.config.json:3:39: warning: targets.build.outputs: 'src/**/*.d.ts' matches files git tracks (p/lib/src/global.d.ts)");
  });
});

describe("the outputs warning's git answer, kept by the index's content (issue 13)", () => {
  it('asks git again only when the index changed, and so never hides a newly tracked file', () => {
    const dir = workspace({ 'p/lib/package.json': manifest('lib'), 'p/lib/src/a.txt': 'a\n' }, { targets: { build: { outputs: ['dist/**', 'src/**/*.d.ts'] } } });
    // A git that notes each `ls-files` it is asked, then is the real one.
    const bin = mkdtempSync(join(outside, 'bin-'));
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\ncase "$1" in ls-files) echo "$*" >> "${join(bin, 'calls.log')}";; esac\nexec ${realGit} "$@"\n`, { mode: 0o755 });
    const validate = () => runOrch(['validate'], dir, { PATH: `${bin}:${process.env.PATH}` });
    const calls = () => (existsSync(join(bin, 'calls.log')) ? readFileSync(join(bin, 'calls.log'), 'utf8').split('\n').filter(Boolean).length : 0);
    expect(validate().stderr + validate().stdout).not.toContain('matches files git tracks');
    const asked = calls();
    expect(asked).toBeGreaterThan(0);
    validate();
    expect(calls()).toBe(asked);
    writeTree(dir, { 'p/lib/src/global.d.ts': 'declare\n' });
    git(dir, 'add', 'p/lib/src/global.d.ts');
    const after = validate();
    expect(after.stdout + after.stderr).toContain("'src/**/*.d.ts' matches files git tracks (p/lib/src/global.d.ts)");
    expect(calls()).toBeGreaterThan(asked);
  });
});

describe('a workspace package inside another (#14)', () => {
  it("its files are its own inputs, not its parent's: a change runs sub#build only, as affected lists sub only", () => {
    const dir = workspace({ 'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*', 'p/lib/sub'] }), 'p/lib/package.json': manifest('lib'), 'p/lib/src/a.txt': 'a\n', 'p/lib/sub/package.json': manifest('sub', { scripts: { build: 'node ../../../build.cjs' } }), 'p/lib/sub/x.txt': 'x\n' });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib', 'sub']);
    writeTree(dir, { 'p/lib/sub/x.txt': 'y\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ sub: ['changed: p/lib/sub/x.txt'] });
    expect(explain(dir, 'lib#build').cache).toBe('hit');
    run(dir, 'build');
    expect(ran(dir)).toEqual(['sub']);
  });

  it('packages whose folders sort around the nested one (p/lib-x, p/lib.y, p/lib/sub, p/lib/sub2) each keep their own files', () => {
    const built = (name: string) => manifest(name, { scripts: { build: `node ${name.startsWith('sub') ? '../../../' : '../../'}build.cjs` } });
    const dir = workspace({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*', 'p/lib/*'] }),
      'p/lib/package.json': manifest('lib'),
      'p/lib/src/a.txt': 'a\n',
      'p/lib-x/package.json': built('libx'),
      'p/lib.y/package.json': built('liby'),
      'p/lib/sub/package.json': built('sub'),
      'p/lib/sub2/package.json': built('sub2'),
      ...Object.fromEntries(['p/lib-x', 'p/lib.y', 'p/lib/sub', 'p/lib/sub2'].map((folder) => [`${folder}/x.txt`, 'x\n'])),
    });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib', 'libx', 'liby', 'sub', 'sub2']);
    writeTree(dir, Object.fromEntries(['p/lib-x', 'p/lib.y', 'p/lib/sub', 'p/lib/sub2'].map((folder) => [`${folder}/x.txt`, 'y\n'])));
    run(dir, 'build');
    expect(ran(dir)).toEqual(['libx', 'liby', 'sub', 'sub2']);
    writeTree(dir, { 'p/lib/src/a.txt': 'b\n' });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['lib']);
  });
});
