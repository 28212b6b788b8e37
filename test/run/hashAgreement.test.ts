import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { affected, commit, explain, manifest, ran, run, workspace } from '../helpers/hashWorkspace.js';

// FINDINGS-11 #5: things `orch affected` and the task hash disagreed on, or that a task sees but
// its hash left out. Each test makes the change in a real git repository and checks both sides.

const configOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'orchestrator.config.json'), 'utf8'));

describe('a file mode change (chmod +x)', () => {
  it("is in the hash as in affected: git's mode is part of each file's content id, dirty or committed", () => {
    const dir = workspace({ 'p/b/package.json': manifest('b'), 'p/b/src/index.js': 'x\n', 'p/c/package.json': manifest('c', { dependencies: { b: '*' } }), 'p/other/package.json': manifest('other') });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['b', 'c', 'other']);
    chmodSync(join(dir, 'p/b/src/index.js'), 0o755);
    expect(affected(dir)).toEqual({ b: ['changed: p/b/src/index.js'], c: ['depends on b'] });
    const why = explain(dir, 'b#build');
    expect(why.changes).toEqual(['mode changed (100644 -> 100755): p/b/src/index.js']);
    expect(why.inputs.files['p/b/src/index.js']).toMatch(/^100755 [0-9a-f]{40}$/);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['b', 'c']);
    // Committed, the index gives the same id: nothing runs again.
    commit(dir, 'chmod');
    run(dir, 'build');
    expect(ran(dir)).toEqual([]);
  });
});

describe("a change to orch's config", () => {
  const files = { 'p/a/package.json': manifest('a'), 'p/b/package.json': manifest('b') };

  it('that affects what tasks run misses every task, as affected lists every project; run settings keep both', () => {
    const dir = workspace(files);
    run(dir, 'build');
    ran(dir);
    commit(dir, 'built');
    // Run settings (concurrency, the cache...) change nothing a task does: no project, no miss.
    writeTree(dir, { 'orchestrator.config.json': JSON.stringify({ ...configOf(dir), concurrency: 1, cache: { maxSize: '1GB' } }) });
    expect(affected(dir, '--base', 'HEAD')).toEqual({});
    run(dir, 'build');
    expect(ran(dir)).toEqual([]);
    // Gates decide what counts as a success: every task's hash takes them.
    writeTree(dir, { 'orchestrator.config.json': JSON.stringify({ ...configOf(dir), gates: { 'orch:side-effects': false } }) });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ a: ['config: orchestrator.config.json: gates changed'], b: ['config: orchestrator.config.json: gates changed'] });
    expect(explain(dir, 'a#build').changes).toEqual(['config orchestrator.config.json#gates added']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['a', 'b']);
  });

  it('a module config is code orch cannot compare: any edit misses every task, as affected lists every project', () => {
    const dir = workspace({ ...files, 'orchestrator.config.json': '', 'orchestrator.config.mjs': "export default { targets: { build: { outputs: ['dist/**'] } } };\n" });
    rmSync(join(dir, 'orchestrator.config.json'));
    commit(dir, 'module config');
    run(dir, 'build');
    ran(dir);
    writeTree(dir, { 'orchestrator.config.mjs': "// build settings\nexport default { targets: { build: { outputs: ['dist/**'] } } };\n" });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ a: ['config: orchestrator.config.mjs: orchestrator.config.mjs changed'], b: ['config: orchestrator.config.mjs: orchestrator.config.mjs changed'] });
    expect(explain(dir, 'b#build').changes).toEqual(['config orchestrator.config.mjs changed']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['a', 'b']);
  });
});

describe('inputs outside the package', () => {
  const files = {
    'shared/s.js': 'shared v1\n',
    'shared/other.txt': 'other\n',
    'p/d/package.json': manifest('d', { reads: ['../../shared/s.js'], scripts: { build: 'node ../../build.cjs', bundle: 'node ../../build.cjs' } }),
    'p/d/src/index.js': 'd\n',
    'p/e/package.json': manifest('e', { scripts: { build: 'node ../../build.cjs', bundle: 'node ../../build.cjs' } }),
    'p/f/package.json': manifest('f'),
  };

  it.each([['../../shared/**'], ['$TURBO_ROOT$/shared/**']])('%s is hashed, and a change to it affects the packages that name it', (glob) => {
    const dir = workspace(files, { targets: { build: { outputs: ['dist/**'] }, bundle: { inputs: ['src/**', 'package.json', glob], outputs: ['dist/**'] } } });
    expect(Object.keys(explain(dir, 'd#bundle').inputs.files).sort()).toEqual(['p/d/package.json', 'p/d/src/index.js', 'shared/other.txt', 'shared/s.js']);
    run(dir, 'build', 'bundle');
    expect(ran(dir)).toEqual(['d', 'd', 'e', 'e', 'f']);
    commit(dir, 'built');
    writeTree(dir, { 'shared/s.js': 'shared v2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ d: ['input from outside the package: changed: shared/s.js'], e: ['input from outside the package: changed: shared/s.js'] });
    expect(explain(dir, 'd#bundle').changes).toEqual(['changed: shared/s.js']);
    // build names no such input: shared/ does not change it.
    expect(explain(dir, 'd#build').cache).toBe('hit');
    run(dir, 'bundle');
    expect(ran(dir)).toEqual(['d', 'e']);
    expect(readFileSync(join(dir, 'p/d/dist/out.txt'), 'utf8')).toBe('dshared v2\n');
  });

  it('a glob that leaves the workspace is a located config error, with a fix', () => {
    const dir = workspace(files, { targets: { build: { outputs: ['dist/**'], inputs: ['src/**', '../../../elsewhere/**'] } } });
    const result = runOrch(['validate'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("orchestrator.config.json:1:63: error: targets.build.inputs: '../../../elsewhere/**' leaves the workspace root (from p/d, p/e, p/f) [inputs/invalid-glob]");
    expect(result.stderr).toContain('hint: orch hashes only files of the workspace: name files inside it (from the root: $TURBO_ROOT$/<path>)');
    expect(runOrch(['run', 'build'], dir).code).toBe(2);
  });
});

describe('symbolic links among the inputs', () => {
  const outside = mkdtempSync(join(tmpdir(), 'orch-outside-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it("a link's target inside the workspace is hashed, and a change to it affects the package holding the link", () => {
    const dir = workspace({ 'shared/s.js': 'shared v1\n', 'shared/lib/util.js': 'util v1\n', 'p/d/package.json': manifest('d', { reads: ['src/s.js'] }), 'p/e/package.json': manifest('e') });
    writeTree(dir, { 'p/d/src/.keep': '' });
    symlinkSync('../../../shared/s.js', join(dir, 'p/d/src/s.js'));
    symlinkSync('../../../shared/lib', join(dir, 'p/d/src/lib'));
    commit(dir, 'links');
    const inputs = explain(dir, 'd#build');
    expect(inputs.linkedFrom).toEqual({ 'shared/s.js': 'p/d/src/s.js', 'shared/lib/util.js': 'p/d/src/lib' });
    expect(inputs.inputs.files['p/d/src/s.js']).toMatch(/^120000 /);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['d', 'e']);
    commit(dir, 'built');

    writeTree(dir, { 'shared/s.js': 'shared v2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ d: ['changed: shared/s.js (through the link p/d/src/s.js)'] });
    expect(runOrch(['affected', '--list', '--base', 'HEAD'], dir).stdout).not.toContain('outside every project');
    expect(explain(dir, 'd#build').changes).toEqual(['changed: shared/s.js (through the link p/d/src/s.js)']);
    run(dir, 'build');
    expect(ran(dir)).toEqual(['d']);
    expect(readFileSync(join(dir, 'p/d/dist/out.txt'), 'utf8')).toBe('dshared v2\n');
    commit(dir, 'v2');

    // A folder link: a file under its target.
    writeTree(dir, { 'shared/lib/util.js': 'util v2\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ d: ['changed: shared/lib/util.js (through the link p/d/src/lib)'] });
    run(dir, 'build');
    expect(ran(dir)).toEqual(['d']);
  });

  it('a target outside the workspace is not hashed, and explain says so', () => {
    writeFileSync(join(outside, 'x.txt'), 'outside\n');
    const dir = workspace({ 'p/d/package.json': manifest('d'), 'p/d/src/index.js': 'd\n' });
    symlinkSync(join(outside, 'x.txt'), join(dir, 'p/d/src/x.txt'));
    commit(dir, 'link out');
    expect(explain(dir, 'd#build').linksOutside).toEqual({ 'p/d/src/x.txt': join(outside, 'x.txt') });
    expect(runOrch(['explain', 'd#build'], dir).stdout).toContain(`warning:       p/d/src/x.txt links outside the workspace (${join(outside, 'x.txt')}): what it leads to is not hashed`);
  });
});

describe("a package's declared outputs", () => {
  it('are not changes in affected when git does not ignore them, as they are not inputs of its tasks', () => {
    const dir = workspace({ '.gitignore': '.orch/\nruns.log\n', 'p/g/package.json': manifest('g'), 'p/g/src/index.js': 'g\n', 'p/h/package.json': manifest('h', { dependencies: { g: '*' } }) });
    run(dir, 'build', 'test');
    ran(dir);
    const listed = JSON.parse(runOrch(['affected', '--list', '--json'], dir).stdout);
    expect(listed.projects).toEqual([]);
    expect(listed.outputs).toEqual(['p/g/dist/out.txt', 'p/h/dist/out.txt']);
    // test declares no inputs: build's outputs (dist/) are not among them, so building leaves it a hit.
    expect(explain(dir, 'g#test').cache).toBe('hit');
    expect(Object.keys(explain(dir, 'g#test').inputs.files).filter((path) => path.includes('dist'))).toEqual([]);
    // An output a task names in its inputs is a change again (the user said it reads it).
    writeTree(dir, { 'orchestrator.config.json': JSON.stringify({ ...configOf(dir), targets: { ...configOf(dir).targets, test: { inputs: ['src/**', 'dist/**'] } } }) });
    commit(dir, 'test reads dist');
    writeTree(dir, { 'p/g/dist/out.txt': 'edited\n' });
    expect(affected(dir, '--base', 'HEAD')).toEqual({ g: ['changed: p/g/dist/out.txt'], h: ['depends on g'] });
  });
});

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));

describe("an agent a command uses through Claude Code's agent: + context: fork (FINDINGS-12 #5c)", () => {
  it.each([
    ['agent: ag\ncontext: fork', 'forked'],
    ['agents: [ag]', 'listed'],
  ])('%s: its file is in the hash and in affected', (frontMatter) => {
    const dir = workspace({
      'orchestrator.config.json': JSON.stringify({ agent: { command: FAKE_CLAUDE } }),
      '.claude/agents/ag.md': '---\nname: ag\ndescription: an agent\n---\nYou are careful.\n',
      '.claude/commands/review.md': `---\ndescription: review\n${frontMatter}\ninputs: [src/**]\n---\nReview it.\n`,
      'src/a.ts': 'a\n',
    });
    expect(runOrch(['run', 'review'], dir).code).toBe(0);
    commit(dir, 'ran');
    writeTree(dir, { '.claude/agents/ag.md': '---\nname: ag\ndescription: an agent\n---\nYou are reckless.\n' });
    const listed = JSON.parse(runOrch(['affected', '--list', '--json', '--base', 'HEAD'], dir).stdout);
    expect(listed.commands).toEqual([{ name: 'review', reasons: ['changed: .claude/agents/ag.md (agent ag)'] }]);
    const why = explain(dir, 'review');
    expect(why.cache).toBe('miss');
    expect(why.changes).toEqual(['definition .claude/agents/ag.md changed']);
  });
});
