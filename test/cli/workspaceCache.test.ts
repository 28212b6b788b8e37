import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch, startOrch } from '../helpers/runOrch.js';
import { fixtureRepo, tempRepo } from '../helpers/tempRepo.js';

// Issue 13: the discovered workspace is cached in the state folder, keyed by the files' stats and
// content hashes. It must never serve a stale graph: every edit is seen, whatever its timing, and a
// broken or concurrently written cache is rebuilt without a word.

const CACHE = join('.orch', 'workspace-cache.json');
const manifest = (name: string, script: string) => `${JSON.stringify({ name, scripts: { [script]: 'echo ok' } }, null, 2)}\n`;
const workspace = () =>
  tempRepo({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
    'packages/a/package.json': manifest('a', 'build'),
    'packages/b/package.json': manifest('b', 'test'),
  });
const ids = (dir: string, env: Record<string, string> = {}) => {
  const list = runOrch(['list', '--json'], dir, env);
  expect(list.stderr).toBe('');
  expect(list.code).toBe(0);
  return (JSON.parse(list.stdout) as { id: string }[]).map((c) => c.id);
};
const cacheEntries = (dir: string) => (JSON.parse(readFileSync(join(dir, CACHE), 'utf8')) as { entries: Record<string, { stat: string }> }).entries;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the workspace cache (issue 13)', () => {
  it('records the package.json files it read, and a second run lists the same', () => {
    const dir = workspace();
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
    expect(Object.keys(cacheEntries(dir))).toEqual(expect.arrayContaining(['manifest:packages/a/package.json', 'manifest:packages/b/package.json']));
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
  });

  it('sees an edit that keeps the size and puts the mtime back, made after the entry was trusted by its stat', async () => {
    const dir = workspace();
    const file = join(dir, 'packages/a/package.json');
    // A whole-second mtime can be put back exactly; then the file ages past the racy window, so
    // the entry is recorded with its stat and later served by it.
    const mtime = Math.floor(Date.now() / 1000) - 60;
    utimesSync(file, mtime, mtime);
    await sleep(2_200);
    expect(ids(dir)).toContain('a#build');
    expect(cacheEntries(dir)['manifest:packages/a/package.json']!.stat).not.toBe('');
    const before = statSync(file, { bigint: true });
    writeFileSync(file, manifest('a', 'bxild'));
    utimesSync(file, mtime, mtime);
    const after = statSync(file, { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    expect(ids(dir)).toEqual(['a#bxild', 'b#test']);
  });

  it('sees a same-size edit made right after the run that cached the file (racily clean)', () => {
    const dir = workspace();
    expect(ids(dir)).toContain('a#build');
    writeFileSync(join(dir, 'packages/a/package.json'), manifest('a', 'bxild'));
    expect(ids(dir)).toEqual(['a#bxild', 'b#test']);
  });

  it('sees packages added and removed', () => {
    const dir = workspace();
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
    writeFileSync(join(dir, 'packages/b/package.json'), '{}');
    runOrch(['list'], dir);
    writeFileSync(join(dir, 'packages/a/package.json'), manifest('a2', 'build'));
    expect(ids(dir)).toEqual(['a2#build']);
  });

  it('pnpm-workspace.yaml is cached too: an edit is seen, and a glob that comes to match nothing is still located at its line', () => {
    const dir = tempRepo({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n  - 'apps/*'\n",
      'packages/a/package.json': manifest('a', 'build'),
      'apps/x/package.json': manifest('x', 'build'),
      'tool/y/package.json': manifest('y', 'build'),
    });
    expect(ids(dir)).toEqual(['a#build', 'x#build']);
    expect(Object.keys(cacheEntries(dir))).toContain('workspace-definition:pnpm-workspace.yaml');
    rmSync(join(dir, 'apps/x/package.json'));
    const cached = runOrch(['validate'], dir);
    expect(cached.stderr).toContain("pnpm-workspace.yaml:3:5: warning: pnpm-workspace.yaml lists 'apps/*', which matches no folder with a package.json");
    expect(cached.stderr).toBe(runOrch(['validate'], dir, { ORCH_WORKSPACE_CACHE: '0' }).stderr);
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n  - 'tool/*'\n");
    expect(ids(dir)).toEqual(['a#build', 'y#build']);
  });

  describe('markdown command and agent files', () => {
    const command = (description: string, dependency: string) => `---\ndescription: ${description}\ndependencies: [${dependency}]\n---\nDo ${description}.\n`;
    const commands = () =>
      tempRepo({
        '.claude/commands/a.md': command('first', 'b'),
        '.claude/commands/b.md': command('second', 'c'),
        '.claude/commands/c.md': '---\ndescription: third\ngates: { orch:saftey: false }\n---\nDo c.\n',
        '.claude/commands/d.md': '---\ndescription: fourth\ntimeout: .inf\n---\nDo d.\n',
        '.claude/agents/helper.md': '---\nname: helper\ndescription: helps\n---\nHelp.\n',
      });
    const listed = (dir: string, env: Record<string, string> = {}) => runOrch(['list', '--json'], dir, env).stdout;

    it('keeps what discovery read of each clean file, and lists, shows and validates as without the cache', () => {
      const dir = commands();
      const uncached = ['list --json', 'validate', 'show a', 'graph'].map((c) => runOrch(c.split(' '), dir, { ORCH_WORKSPACE_CACHE: '0' }));
      for (let round = 0; round < 2; round++) {
        const cached = ['list --json', 'validate', 'show a', 'graph'].map((c) => runOrch(c.split(' '), dir));
        expect(cached).toEqual(uncached);
      }
      // The unknown gate is located where it is written, though the file's entry was kept.
      expect(uncached[1]!.stderr).toContain(".claude/commands/c.md:3:10: error: no gate is named 'orch:saftey'");
      const entries = Object.keys(cacheEntries(dir));
      expect(entries).toEqual(expect.arrayContaining(['markdown:.claude/commands/a.md', 'markdown:.claude/commands/c.md', 'markdown:.claude/agents/helper.md']));
      // `.inf` does not come back from JSON: that file is parsed every time.
      expect(entries).not.toContain('markdown:.claude/commands/d.md');
    });

    it.each(['claude-code-enhancer', 'wshobson-commands'])('reads the %s corpus from the cache as from its files', (fixture) => {
      const dir = fixtureRepo(fixture);
      const commands = ['validate --json', 'list --json --all', 'graph --json'].map((c) => c.split(' '));
      const uncached = commands.map((c) => runOrch(c, dir, { ORCH_WORKSPACE_CACHE: '0' }));
      runOrch(['list'], dir);
      expect(commands.map((c) => runOrch(c, dir))).toEqual(uncached);
    });

    it('sees an edit that keeps the size and puts the mtime back', async () => {
      const dir = commands();
      const file = join(dir, '.claude/commands/a.md');
      const mtime = Math.floor(Date.now() / 1000) - 60;
      utimesSync(file, mtime, mtime);
      await sleep(2_200);
      expect(JSON.parse(listed(dir)).find((c: { id: string }) => c.id === 'a')).toMatchObject({ description: 'first', dependencies: ['b'] });
      expect(cacheEntries(dir)['markdown:.claude/commands/a.md']!.stat).not.toBe('');
      writeFileSync(file, command('fir5t', 'd'));
      utimesSync(file, mtime, mtime);
      expect(JSON.parse(listed(dir)).find((c: { id: string }) => c.id === 'a')).toMatchObject({ description: 'fir5t', dependencies: ['d'] });
      expect(runOrch(['show', 'a'], dir).stdout).toBe(runOrch(['show', 'a'], dir, { ORCH_WORKSPACE_CACHE: '0' }).stdout);
    });
  });

  it.each([
    ['garbage', 'not json at all \u0000'],
    ['truncated', (dir: string) => readFileSync(join(dir, CACHE), 'utf8').slice(0, 100)],
    ['another shape', JSON.stringify({ orch: '0.1.0', format: 2, entries: { 'manifest:packages/a/package.json': { stat: 1, hash: null } } })],
    [
      'an entry of the wrong shape for its file',
      (dir: string) => {
        const cache = JSON.parse(readFileSync(join(dir, CACHE), 'utf8')) as { entries: Record<string, { value: unknown }> };
        cache.entries['manifest:packages/a/package.json']!.value = null;
        return JSON.stringify(cache);
      },
    ],
    ['an entry whose hash is not the content', (dir: string) => readFileSync(join(dir, CACHE), 'utf8').replace(/"hash":"[0-9a-f]+"/, `"hash":"${'0'.repeat(64)}"`).replace(/"build"/, '"stale"')],
  ])('a cache holding %s is rebuilt silently', (_, content) => {
    const dir = workspace();
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
    writeFileSync(join(dir, CACHE), typeof content === 'string' ? content : content(dir));
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
    expect(Object.keys(cacheEntries(dir))).toContain('manifest:packages/a/package.json');
  });

  it('two processes at once, on no cache, list the same and leave a whole cache', async () => {
    const dir = workspace();
    const [first, second] = await Promise.all([startOrch(['list', '--json'], dir).exited, startOrch(['list', '--json'], dir).exited]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stdout).toBe(second.stdout);
    expect(Object.keys(cacheEntries(dir))).toContain('manifest:packages/b/package.json');
    expect(ids(dir)).toEqual(['a#build', 'b#test']);
  });

  it('ORCH_WORKSPACE_CACHE=0 reads every file and writes no cache', () => {
    const dir = workspace();
    expect(ids(dir, { ORCH_WORKSPACE_CACHE: '0' })).toEqual(['a#build', 'b#test']);
    expect(existsSync(join(dir, CACHE))).toBe(false);
  });
});
