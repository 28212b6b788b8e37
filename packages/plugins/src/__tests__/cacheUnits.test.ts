import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../../../../test/helpers/tempRepo.js';
import { gitBlobHash } from '../cache/gitBlobHash.js';
import { CacheRefusal, confinedPath } from '../cache/confinedPath.js';
import { LocalCache } from '../cache/LocalCache.js';
import { OutputMatcher } from '../cache/OutputMatcher.js';
import { remoteCacheTrust, requireRemoteCacheKey } from '../cache/remoteCacheTrust.js';
import { uploadQueueFor } from '../cache/RemoteCachePlugin.js';
import { checkCompletedTask } from '../cache/checkCompletedTask.js';
import { UploadQueue } from '../cache/UploadQueue.js';
import type { CommandDefinition, ResolvedConfig } from '@orch/engine';
import { RepositoryFiles } from '../cache/repositoryFiles.js';
import { outputsInPlace, takeOutputsFingerprint, type OutputsFingerprint, type OutputsPlace } from '../cache/outputsFingerprint.js';

describe('RepositoryFiles', () => {
  it('takes clean files from the git index and reads only dirty and untracked ones', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`src/f${i}.js`, `export const v${i} = ${i};\n`]));
    const dir = tempRepo({ ...files, '.gitignore': 'ignored/\n' });
    commitAll(dir);
    writeFileSync(join(dir, 'src/f1.js'), 'changed\n');
    writeFileSync(join(dir, 'src/f2.js'), 'changed too\n');
    writeFileSync(join(dir, 'new.js'), 'untracked\n');
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored/x.js'), 'ignored\n');
    const repo = new RepositoryFiles(dir, '.orch');
    const hashes = await repo.all();
    expect(repo.inGit).toBe(true);
    expect(repo.readCount).toBe(3);
    expect(hashes.size).toBe(52);
    expect(hashes.get('src/f1.js')).toBe(`100644 ${gitBlobHash(Buffer.from('changed\n'))}`);
    expect(hashes.get('src/f9.js')).toBe(`100644 ${execFileSync('git', ['rev-parse', 'HEAD:src/f9.js'], { cwd: dir, encoding: 'utf8' }).trim()}`);
    expect(hashes.has('ignored/x.js')).toBe(false);
  });

  it("gives each file git's mode with its blob id: a chmod, dirty or committed, changes the id as git sees it", async () => {
    const dir = commitAll(tempRepo({ 'run.sh': 'echo hi\n', 'lib.js': 'x\n' }));
    symlinkSync('lib.js', join(dir, 'link.js'));
    chmodSync(join(dir, 'run.sh'), 0o755);
    const dirty = await new RepositoryFiles(dir, '.orch').all();
    const blob = (path: string) => execFileSync('git', ['hash-object', path], { cwd: dir, encoding: 'utf8' }).trim();
    expect(dirty.get('run.sh')).toBe(`100755 ${blob('run.sh')}`);
    expect(dirty.get('lib.js')).toBe(`100644 ${blob('lib.js')}`);
    // A link is not followed: its id is git's, the blob of its target path.
    expect(dirty.get('link.js')).toBe(`120000 ${gitBlobHash(Buffer.from('lib.js'))}`);
    commitAll(dir);
    const clean = await new RepositoryFiles(dir, '.orch').all();
    const staged = Object.fromEntries(execFileSync('git', ['ls-files', '-s'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').map((line) => [line.split('\t')[1], line.split(' ').slice(0, 2).join(' ')]));
    expect(Object.fromEntries(clean)).toEqual(staged);
    expect(clean.get('run.sh')).toBe(dirty.get('run.sh'));
  });

  it.each([
    ['below the top of its repository', (top: string) => join(top, 'ws')],
    ['below the top, holding a `.git` folder that is not a repository', (top: string) => (mkdirSync(join(top, 'ws/.git/objects'), { recursive: true }), join(top, 'ws'))],
    ['in a linked worktree (a `.git` file)', (top: string) => (execFileSync('git', ['worktree', 'add', '-q', join(top, '.wt'), 'HEAD'], { cwd: top }), join(top, '.wt/ws'))],
  ])('a workspace %s has its dirty and untracked files by paths from its own root', async (_, workspace) => {
    const top = commitAll(tempRepo({ 'ws/src/a.js': 'a\n', 'ws/src/b.js': 'b\n', 'outside.js': 'o\n', '.gitignore': '.wt/\n' }));
    const root = workspace(top);
    writeFileSync(join(root, 'src/a.js'), 'changed\n');
    writeFileSync(join(root, 'src/new.js'), 'untracked\n');
    rmSync(join(root, 'src/b.js'));
    const hashes = await new RepositoryFiles(root, '.orch').all();
    expect(hashes.get('src/a.js')).toBe(`100644 ${gitBlobHash(Buffer.from('changed\n'))}`);
    expect(hashes.get('src/new.js')).toBe(`100644 ${gitBlobHash(Buffer.from('untracked\n'))}`);
    expect([...hashes.keys()].sort()).toEqual(['src/a.js', 'src/new.js']);
  });

  it('a workspace at the top of a linked worktree (a `.git` file) has its dirty and untracked files', async () => {
    const top = commitAll(tempRepo({ 'src/a.js': 'a\n', '.gitignore': '.wt/\n' }));
    execFileSync('git', ['worktree', 'add', '-q', join(top, '.wt'), 'HEAD'], { cwd: top });
    const root = join(top, '.wt');
    writeFileSync(join(root, 'src/a.js'), 'changed\n');
    writeFileSync(join(root, 'src/new.js'), 'untracked\n');
    const hashes = await new RepositoryFiles(root, '.orch').all();
    expect(Object.fromEntries(hashes)).toEqual({
      '.gitignore': `100644 ${gitBlobHash(Buffer.from('.wt/\n'))}`,
      'src/a.js': `100644 ${gitBlobHash(Buffer.from('changed\n'))}`,
      'src/new.js': `100644 ${gitBlobHash(Buffer.from('untracked\n'))}`,
    });
  });

  it('hashes content outside git', async () => {
    const dir = tempRepo({ 'a.txt': 'a', 'node_modules/x/y.js': 'skip', 'b/c.txt': 'c' }, { git: false });
    const repo = new RepositoryFiles(dir, '.orch');
    const hashes = await repo.all();
    expect(repo.inGit).toBe(false);
    expect([...hashes.keys()].sort()).toEqual(['a.txt', 'b/c.txt']);
  });
});

describe('LocalCache', () => {
  it('refuses to restore an entry with a path outside the task folder, before writing anything', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'x' });
    const cache = new LocalCache(join(dir, 'cache'));
    await cache.put({ hash: 'a'.repeat(64), taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
    const entryDir = cache.entryDir('a'.repeat(64));
    const meta = JSON.parse(readFileSync(join(entryDir, 'meta.json'), 'utf8'));
    meta.files[0].path = '../../escape.js';
    writeFileSync(join(entryDir, 'meta.json'), JSON.stringify(meta));
    const problems: string[] = [];
    expect(await cache.get('a'.repeat(64), (p) => problems.push(`${p.file} ${p.reason}`))).toBeUndefined();
    expect(problems).toEqual([`aa/${'a'.repeat(64)}/meta.json lists a file path that leaves the entry`]);
  });

  it('says in words what is wrong with a corrupt entry, naming the file relative to the cache and never quoting it', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'x' });
    const cache = new LocalCache(join(dir, 'cache'));
    const hash = 'b'.repeat(64);
    const entry = `bb/${hash}`;
    const store = () => cache.put({ hash, taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
    const problem = async () => {
      const problems: string[] = [];
      expect(await cache.get(hash, (p) => problems.push(LocalCache.describe(p)))).toBeUndefined();
      return problems;
    };
    await store();
    rmSync(join(cache.entryDir(hash), 'files/dist/out.js'));
    expect(await problem()).toEqual([`discarded a corrupt cache entry (${entry}/files/dist/out.js is missing)`]);
    for (const [content, reason] of [
      ['garbage secret-token-123', 'is not valid JSON'],
      ['null', 'is not a JSON object'],
      ['[1]', 'is not a JSON object'],
    ]) {
      await store();
      writeFileSync(join(cache.entryDir(hash), 'meta.json'), content!);
      const said = await problem();
      expect(said).toEqual([`discarded a corrupt cache entry (${entry}/meta.json ${reason})`]);
      expect(said[0]).not.toMatch(/garbage|secret|Unexpected|ENOENT|lstat/);
    }
  });

  it('evicts expired entries, then the least recently used, down to the bound', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'x'.repeat(1000) });
    const cache = new LocalCache(join(dir, 'cache'));
    const put = (hash: string, ttlMs?: number) => cache.put({ hash, taskId: hash, folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1, ...(ttlMs ? { ttlMs } : {}) });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => x.repeat(64));
    await put(a!);
    await put(b!);
    await put(c!);
    await put(d!, 1);
    const age = (hash: string, secondsAgo: number) => utimesSync(join(cache.entryDir(hash), 'meta.json'), new Date(), new Date(Date.now() - secondsAgo * 1000));
    age(a!, 300);
    age(b!, 100);
    age(c!, 200);
    const sizes = await cache.list();
    const one = sizes.find((e) => e.hash === a)!.bytes;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await cache.evict(one * 2);
    expect(result.removed).toBe(2); // d expired, then a (least recently used)
    expect((await cache.list()).map((e) => e.hash).sort()).toEqual([b, c]);
  });
});

describe('LocalCache reads of a full hit (issue 13)', () => {
  const stored = async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'x' });
    const cache = new LocalCache(join(dir, 'cache'));
    const hash = 'c'.repeat(64);
    await cache.put({ hash, taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
    return { cache, hash };
  };

  it('an entry read ahead (the daemon\'s full-hit check) is taken by the next get of its hash, once', async () => {
    const { cache, hash } = await stored();
    const ahead = await cache.readAhead(hash);
    expect(ahead?.meta.hash).toBe(hash);
    // Gone from the disk since: the run's get takes what was read, without reading it again.
    await cache.remove(hash);
    expect(await cache.get(hash)).toBe(ahead);
    // Taken once: the next get reads the disk, where there is no entry now.
    expect(await cache.get(hash)).toBeUndefined();
  });

  it('an entry read ahead that expired before the run took it is not used', async () => {
    const { cache, hash } = await stored();
    const ahead = (await cache.readAhead(hash))!;
    ahead.meta.expiresAt = new Date(Date.now() - 1000).toISOString();
    await cache.remove(hash);
    expect(await cache.get(hash)).toBeUndefined();
  });

  it('reads a meta.json of any size whole, a small one and one past the read buffer (its outputs listing a thousand files)', async () => {
    for (const [hash, count] of [['d'.repeat(64), 3], ['e'.repeat(64), 1000]] as const) {
      const dir = tempRepo(Object.fromEntries(Array.from({ length: count }, (_, i) => [`pkg/dist/é${i}.js`, `${i}`])));
      const cache = new LocalCache(join(dir, 'cache'));
      await cache.put({ hash, taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
      expect(statSync(join(cache.entryDir(hash), 'meta.json')).size > 64 * 1024).toBe(count > 3);
      // A fresh instance: nothing read ahead.
      const files = (await new LocalCache(join(dir, 'cache')).get(hash))?.meta.files;
      expect(files?.map((file) => file.path).sort()).toEqual(Array.from({ length: count }, (_, i) => `dist/é${i}.js`).sort());
    }
  });

  it("records a hit's use on the entry when its last recorded use is an hour old or more, not on every hit", async () => {
    const { cache, hash } = await stored();
    const meta = join(cache.entryDir(hash), 'meta.json');
    const usedAt = (minutesAgo: number) => {
      const then = new Date(Date.now() - minutesAgo * 60_000);
      utimesSync(meta, then, then);
      return then.getTime();
    };
    const recent = usedAt(10);
    await cache.markUsed((await cache.get(hash))!);
    expect(Math.round(statSync(meta).mtimeMs)).toBe(recent);
    usedAt(61);
    await cache.markUsed((await cache.get(hash))!);
    expect(Date.now() - statSync(meta).mtimeMs).toBeLessThan(60_000);
  });
});

describe('OutputMatcher', () => {
  it('lists files and links under the folder without following links or entering .git; globs that leave the folder match nothing', async () => {
    const outside = tempRepo({ 'secret.txt': 'x' }, { git: false });
    const dir = tempRepo({ 'dist/real/f.txt': 'f', 'dist/.git/config': 'x', 'dist/skip.map': 'm', 'build/out.txt': 'o', 'keep.txt': 'k' }, { git: false });
    symlinkSync('real', join(dir, 'dist/linkdir'));
    symlinkSync(outside, join(dir, 'dist/out'));
    symlinkSync(outside, join(dir, 'linked'));
    const matcher = new OutputMatcher(['dist/**', '!dist/*.map', 'build', `${outside}/**`, '../x/**', 'linked/**']);
    expect(matcher.outside).toEqual([`${outside}/**`, '../x/**']);
    expect(await matcher.find(dir)).toEqual(['build/out.txt', 'dist/linkdir', 'dist/out', 'dist/real/f.txt', 'linked']);
    expect(matcher.matches('.git/hooks/pre-commit')).toBe(false);
    expect(matcher.unmatched(['dist/real/f.txt'])).toEqual(['build', 'linked/**']);
  });

  it('one matcher gives each folder and each list of folders to skip its own outputs, asked in any order, at once or not', async () => {
    const a = tempRepo({ 'dist/a.txt': 'a', 'dist/cache/x.txt': 'x', 'dist/sub/b.txt': 'b' }, { git: false });
    const b = tempRepo({ 'dist/c.txt': 'c' }, { git: false });
    const matcher = OutputMatcher.of(['dist/**']);
    const all = ['dist/a.txt', 'dist/cache/x.txt', 'dist/sub/b.txt'];
    expect(matcher.findNow(a)).toEqual(all);
    expect(matcher.findNow(a, [join(a, 'dist/cache')])).toEqual(['dist/a.txt', 'dist/sub/b.txt']);
    expect(matcher.findNow(b, [join(a, 'dist/cache')])).toEqual(['dist/c.txt']);
    expect(await Promise.all([matcher.find(a), matcher.find(b), matcher.find(a, [join(a, 'dist/sub')])])).toEqual([all, ['dist/c.txt'], ['dist/a.txt', 'dist/cache/x.txt']]);
  });
});

describe('outputs in place (issue 13: a hit lists the output folders again only when one changed)', () => {
  const hash = 'd'.repeat(64);
  const fixture = () => {
    const folder = tempRepo({ 'dist/a.js': 'a', 'dist/sub/b.js': 'b' }, { git: false });
    mkdirSync(join(folder, 'dist/empty'));
    const place: OutputsPlace = { folder, outputs: ['dist/**'], protect: [] };
    // Taken long ago, as far as the racy rule is concerned: every change below is judged by stat data alone.
    const recorded: OutputsFingerprint = { ...takeOutputsFingerprint(place, hash), at: Date.now() + 3_600_000 };
    return { folder, place, recorded, inPlace: () => outputsInPlace(recorded, place, hash, { files: [] }) };
  };

  it('keeps the folders it listed with their stat data, and none when a glob\'s folder is missing', () => {
    const { recorded, folder } = fixture();
    expect(recorded.folders?.map(([path]) => path)).toEqual(['dist', 'dist/empty', 'dist/sub']);
    expect(recorded.files.map(([path]) => path)).toEqual(['dist/a.js', 'dist/sub/b.js']);
    expect(takeOutputsFingerprint({ folder, outputs: ['dist/**', 'gone/**'], protect: [] }, hash).folders).toBeUndefined();
  });

  it('finds the outputs in place when nothing changed, and not after any change a listing would show', async () => {
    expect(await fixture().inPlace()).toBeDefined();
    const changes: [string, (folder: string) => void][] = [
      ['a file added', (folder) => writeFileSync(join(folder, 'dist/new.js'), 'n')],
      ['a file added in an empty folder', (folder) => writeFileSync(join(folder, 'dist/empty/new.js'), 'n')],
      ['a file added in a new folder', (folder) => mkdirSync(join(folder, 'dist/sub/deeper')) ?? writeFileSync(join(folder, 'dist/sub/deeper/x.js'), 'x')],
      ['a file removed', (folder) => rmSync(join(folder, 'dist/sub/b.js'))],
      ['a file renamed', (folder) => cpSync(join(folder, 'dist/a.js'), join(folder, 'dist/c.js')) ?? rmSync(join(folder, 'dist/a.js'))],
      ['a file replaced by a link', (folder) => rmSync(join(folder, 'dist/a.js')) ?? symlinkSync('sub/b.js', join(folder, 'dist/a.js'))],
      ['a file edited, its size kept', (folder) => writeFileSync(join(folder, 'dist/a.js'), 'z')],
      ['the folder replaced', (folder) => cpSync(join(folder, 'dist'), join(folder, 'dist2'), { recursive: true }) ?? rmSync(join(folder, 'dist'), { recursive: true }) ?? cpSync(join(folder, 'dist2'), join(folder, 'dist'), { recursive: true })],
    ];
    for (const [what, change] of changes) {
      const { folder, inPlace } = fixture();
      change(folder);
      expect(await inPlace(), what).toBeUndefined();
    }
  });

  it('a fingerprint recorded without folders (an older orch) is checked by listing, and the one to record now has them', async () => {
    const { place, recorded } = fixture();
    const { folders: _folders, protect: _protect, ...older } = recorded;
    const now = await outputsInPlace(older, place, hash, { files: [] });
    expect(now?.folders?.map(([path]) => path)).toEqual(['dist', 'dist/empty', 'dist/sub']);
    writeFileSync(join(place.folder, 'dist/new.js'), 'n');
    expect(await outputsInPlace(older, place, hash, { files: [] })).toBeUndefined();
  });
});

describe('outputs in place by content (issue 13: "falling back to content")', () => {
  const hash = 'e'.repeat(64);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const fixture = () => {
    const folder = tempRepo({ 'dist/a.js': 'aaa', 'dist/sub/b.js': 'bb' }, { git: false });
    const place: OutputsPlace = { folder, outputs: ['dist/**'], protect: [] };
    const meta = { files: [{ path: 'dist/a.js', size: 3, mode: statSync(join(folder, 'dist/a.js')).mode, sha256: sha('aaa') }, { path: 'dist/sub/b.js', size: 2, mode: statSync(join(folder, 'dist/sub/b.js')).mode, sha256: sha('bb') }] };
    const recorded: OutputsFingerprint = { ...takeOutputsFingerprint(place, hash), at: Date.now() + 3_600_000 };
    return { folder, place, meta, recorded };
  };
  // Another tool restoring the same bytes: a new inode and new times for every file.
  const rewriteSame = (folder: string) => {
    for (const [path, text] of [['dist/a.js', 'aaa'], ['dist/sub/b.js', 'bb']] as const) {
      rmSync(join(folder, path));
      writeFileSync(join(folder, path), text);
    }
  };

  it('finds outputs rewritten with the same bytes in place, and the fingerprint to record is of the files as they are now', async () => {
    const { folder, place, meta, recorded } = fixture();
    rewriteSame(folder);
    const now = await outputsInPlace(recorded, place, hash, meta);
    expect(now?.files.map(([path, , , , ino]) => [path, ino])).toEqual(['dist/a.js', 'dist/sub/b.js'].map((path) => [path, statSync(join(folder, path)).ino]));
    expect(await outputsInPlace(undefined, place, hash, meta), 'no fingerprint yet').toBeDefined();
    expect(await outputsInPlace({ ...recorded, hash: 'f'.repeat(64) }, place, hash, meta), "another hash's fingerprint").toBeDefined();
  });

  it('restores when the content is not the entry\'s: an edit keeping size and times aside, a file added, a file missing, another mode', async () => {
    const changes: [string, (folder: string) => void][] = [
      ['an edit keeping the size', (folder) => writeFileSync(join(folder, 'dist/a.js'), 'aaz')],
      ['a file added', (folder) => writeFileSync(join(folder, 'dist/c.js'), 'c')],
      ['a file missing', (folder) => rmSync(join(folder, 'dist/sub/b.js'))],
      ['another mode', (folder) => chmodSync(join(folder, 'dist/a.js'), 0o755)],
    ];
    for (const [what, change] of changes) {
      const { folder, place, meta, recorded } = fixture();
      rewriteSame(folder);
      change(folder);
      expect(await outputsInPlace(recorded, place, hash, meta), what).toBeUndefined();
      expect(await outputsInPlace(undefined, place, hash, meta), `${what}, no fingerprint`).toBeUndefined();
    }
  });
});

describe('LocalCache.realFolder', () => {
  it('is what realpath gives, through a linked parent or a linked folder, and throws for a missing one', () => {
    const dir = tempRepo({ 'real/pkg/a.txt': 'a', 'real/other/b.txt': 'b' }, { git: false });
    symlinkSync(join(dir, 'real'), join(dir, 'linked'));
    symlinkSync(join(dir, 'real/other'), join(dir, 'real/alias'));
    const cache = new LocalCache(join(dir, 'cache'));
    for (const folder of ['real/pkg', 'linked/pkg', 'real/alias', 'linked/alias', 'linked']) {
      expect(cache.realFolder(join(dir, folder)), folder).toBe(realpathSync(join(dir, folder)));
    }
    expect(() => cache.realFolder(join(dir, 'linked/missing'))).toThrow(/ENOENT/);
  });
});

describe('confinedPath', () => {
  it('refuses paths that leave the folder, go into .git at any depth, through a link outside, or into the cache', async () => {
    const outside = tempRepo({}, { git: false });
    const dir = tempRepo({ 'dist/a.txt': 'a', 'cache/x': 'x' }, { git: false });
    symlinkSync(outside, join(dir, 'dist/linked'));
    symlinkSync('a.txt', join(dir, 'dist/file-link'));
    const reason = (path: string) => confinedPath(dir, path, [join(dir, 'cache')]).then(() => 'allowed', (error: CacheRefusal) => error.message);
    expect(await reason('dist/new/b.txt')).toBe('allowed');
    expect(await reason('../escape.txt')).toBe("../escape.txt leaves the task's folder");
    expect(await reason('dist/sub/.GIT/hooks/pre-commit')).toBe('dist/sub/.GIT/hooks/pre-commit is inside a .git folder');
    expect(await reason('dist/linked/deep/planted.txt')).toBe(`dist/linked/deep/planted.txt resolves outside the task's folder (through a symbolic link to ${outside})`);
    expect(await reason('cache/x/y')).toBe("cache/x/y is inside orch's state or cache folder");
    expect(await reason('dist/file-link/x')).toBe('dist/file-link/x has a parent that is not a folder');
  });
});

describe('LocalCache crash safety', () => {
  const entry = (dir: string) => ({ hash: 'b'.repeat(64), taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });

  it('a restore refuses an entry with a file outside the current outputs before changing anything', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'built', 'pkg/src/a.js': 'source' });
    const cache = new LocalCache(join(dir, 'cache'));
    await cache.put({ ...entry(dir), outputs: ['dist/**', 'src/**'] });
    const stored = (await cache.get('b'.repeat(64)))!;
    writeFileSync(join(dir, 'pkg/dist/out.js'), 'current');
    const refused = await cache.restore(stored, { folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'] }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(CacheRefusal);
    expect((refused as Error).message).toBe("src/a.js is not among the task's outputs (dist/**)");
    expect(readFileSync(join(dir, 'pkg/dist/out.js'), 'utf8')).toBe('current');
  });

  it("outputs that cover everything ('**') never reach .git, orch's state folder or the cache", async () => {
    const dir = tempRepo({ 'out.txt': 'built', '.orch/sessions/s/events.jsonl': 'log', 'src/a.js': 'stale' });
    const cache = new LocalCache(join(dir, '.orch/cache'));
    const everything = { ...entry(dir), folder: dir, outputs: ['**'], protect: [join(dir, '.orch')] };
    await cache.put(everything);
    const stored = (await cache.get('b'.repeat(64)))!;
    expect(stored.meta.files.map((f) => f.path)).toEqual(['out.txt', 'src/a.js']);
    rmSync(join(dir, 'out.txt'));
    writeFileSync(join(dir, 'stale.txt'), 'stale');
    await cache.restore(stored, { folder: dir, root: dir, outputs: ['**'], protect: [join(dir, '.orch')] });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('built');
    expect(existsSync(join(dir, 'stale.txt'))).toBe(false);
    expect(readFileSync(join(dir, '.orch/sessions/s/events.jsonl'), 'utf8')).toBe('log');
    expect(existsSync(join(dir, '.git/HEAD'))).toBe(true);
  });

  it('with sources given (FINDINGS-R2 #9), a restore keeps them: none deleted, none the hash did not take overwritten, no source folder replaced by a link', async () => {
    const dir = tempRepo({ 'out.txt': 'built', 'src/a.js': 'v1', 'lib/x.js': 'x' });
    const cache = new LocalCache(join(dir, '.orch/cache'));
    await cache.put({ ...entry(dir), folder: dir, outputs: ['**'], protect: [join(dir, '.orch')] });
    const stored = (await cache.get('b'.repeat(64)))!;
    writeFileSync(join(dir, 'src/a.js'), 'edited');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const sources = { files: new Map([['src/a.js', `100644 ${gitBlobHash(Buffer.from('edited'))}`], ['notes.txt', `100644 ${gitBlobHash(Buffer.from('mine'))}`], ['lib/x.js', `100644 ${gitBlobHash(Buffer.from('x'))}`]]), hashed: new Set<string>() };
    const kept = await cache.restore(stored, { folder: dir, root: dir, outputs: ['**'], protect: [join(dir, '.orch')], sources });
    expect(kept).toEqual({ notDeleted: ['notes.txt'], notOverwritten: ['src/a.js'] });
    expect(readFileSync(join(dir, 'src/a.js'), 'utf8')).toBe('edited');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    // A hashed source is what it was when stored: the entry's copy (what the task made of it) goes back.
    writeFileSync(join(dir, 'out.txt'), 'changed');
    await cache.restore(stored, { folder: dir, root: dir, outputs: ['**'], protect: [join(dir, '.orch')], sources: { files: new Map([['out.txt', 'x']]), hashed: new Set(['out.txt']) } });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('built');
    // An entry whose link would replace a folder holding a source is refused.
    const linked = { ...stored, meta: { ...stored.meta, files: [], links: [{ path: 'lib', target: 'src' }] } };
    const refused = await cache.restore(linked, { folder: dir, root: dir, outputs: ['**'], protect: [join(dir, '.orch')], sources }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(CacheRefusal);
    expect(readFileSync(join(dir, 'lib/x.js'), 'utf8')).toBe('x');
  });

  it('a folder left without meta.json is removed and replaced by the next put', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'built' });
    const cache = new LocalCache(join(dir, 'cache'));
    mkdirSync(join(cache.entryDir('b'.repeat(64)), 'files/dist'), { recursive: true });
    writeFileSync(join(cache.entryDir('b'.repeat(64)), 'files/dist/half.js'), 'half');
    expect(await cache.get('b'.repeat(64))).toBeUndefined();
    await cache.put(entry(dir));
    const stored = await cache.get('b'.repeat(64));
    expect(stored?.meta.files.map((f) => f.path)).toEqual(['dist/out.js']);
    expect(existsSync(join(cache.entryDir('b'.repeat(64)), 'files/dist/half.js'))).toBe(false);
  });

  it('remove and clean leave nothing under the hash, and sweepStaging removes only dead processes\' folders', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'built' });
    const cache = new LocalCache(join(dir, 'cache'));
    await cache.put(entry(dir));
    expect((await cache.clean()).removed).toBe(1);
    expect(existsSync(cache.entryDir('b'.repeat(64)))).toBe(false);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(join(cache.dir, 'tmp', `pid${dead}-x`), { recursive: true });
    mkdirSync(join(cache.dir, 'tmp', `pid${process.pid}-y`), { recursive: true });
    mkdirSync(join(cache.dir, 'tmp', 'old-name'), { recursive: true });
    expect(await cache.sweepStaging()).toBe(1);
    expect(readdirSync(join(cache.dir, 'tmp')).sort()).toEqual(['old-name', `pid${process.pid}-y`]);
    expect(await cache.sweepStaging(Date.now() + 25 * 3600_000)).toBe(2);
    rmSync(join(cache.dir, 'tmp'), { recursive: true });
  });
});

describe('LocalCache file modes', () => {
  it('an entry whose cached file has another mode than recorded (or setuid) is discarded; an unpacked one gets the recorded modes', async () => {
    const dir = tempRepo({ 'pkg/dist/run.sh': '#!/bin/sh\n' });
    chmodSync(join(dir, 'pkg/dist/run.sh'), 0o775);
    const cache = new LocalCache(join(dir, 'cache'));
    const hash = 'f'.repeat(64);
    await cache.put({ hash, taskId: 't', folder: join(dir, 'pkg'), root: dir, outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
    const cached = join(cache.entryDir(hash), 'files/dist/run.sh');
    // As tar leaves it with the umask applied: commitUnpacked sets the recorded mode again.
    const staging = await cache.newStaging();
    cpSync(cache.entryDir(hash), staging, { recursive: true });
    chmodSync(join(staging, 'files/dist/run.sh'), 0o755);
    await cache.remove(hash);
    await cache.commitUnpacked(staging, hash);
    expect(statSync(cached).mode & 0o7777).toBe(0o775);
    chmodSync(cached, 0o4775);
    const problems: string[] = [];
    expect(await cache.get(hash, (p) => problems.push(`${p.file} ${p.reason}`))).toBeUndefined();
    expect(problems).toEqual([`${hash.slice(0, 2)}/${hash}/files/dist/run.sh has mode 4775, expected 775`]);
  });
});

describe('checkCompletedTask (orch resume)', () => {
  const setup = (files: Record<string, string> = { 'out/a.txt': 'made' }) => {
    const dir = tempRepo(files);
    const cache = new LocalCache(join(dir, '.orch/cache'));
    const config = { root: dir, stateDir: '.orch', cache: { local: 'rw', remote: { access: 'rw' } } } as unknown as ResolvedConfig;
    const command = { id: 'gen', kind: 'config', metadata: { outputs: ['out/**'] }, location: { file: join(dir, 'orchestrator.config.json') } } as unknown as CommandDefinition;
    const check = (hash = 'a'.repeat(64), finishedAt = Date.now() + 1000, over: Partial<CommandDefinition> = {}) =>
      checkCompletedTask({ config, cache, command: { ...command, ...over } as CommandDefinition, hash, durationMs: 5, finishedAt });
    return { dir, cache, check };
  };

  it("stores a completed task's missing entry from its intact outputs and queues its upload; with the entry, checks against it", async () => {
    const { dir, cache, check } = setup();
    expect(await check()).toEqual({ kind: 'stored' });
    expect((await cache.get('a'.repeat(64)))?.meta.files.map((f) => f.path)).toEqual(['out/a.txt']);
    expect((await uploadQueueFor(dir, '.orch').pending()).map((r) => r.taskId)).toEqual(['gen']);
    expect(await check()).toEqual({ kind: 'intact' });
    const uncached = { metadata: { cache: false, outputs: ['out/**'] } } as unknown as Partial<CommandDefinition>;
    expect(await check('b'.repeat(64), Date.now() + 1000, uncached)).toEqual({ kind: 'intact' });
    expect(await cache.get('b'.repeat(64))).toBeUndefined();
  });

  it('never stores an entry for outputs that are gone or changed since the task finished: it runs again', async () => {
    const { dir, cache, check } = setup({ 'out/a.txt': 'made', 'out/sub/b.txt': 'made' });
    rmSync(join(dir, 'out'), { recursive: true });
    expect(await check()).toEqual({ kind: 'rerun', reason: "output 'out/**' matches no file", entryMissing: true });
    expect(existsSync(cache.entryDir('a'.repeat(64)))).toBe(false);
    mkdirSync(join(dir, 'out/sub'), { recursive: true });
    writeFileSync(join(dir, 'out/a.txt'), 'made');
    writeFileSync(join(dir, 'out/sub/b.txt'), 'made');
    const finishedAt = Date.now() + 50;
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(join(dir, 'out/a.txt'), 'tampered');
    expect(await check('a'.repeat(64), finishedAt)).toEqual({ kind: 'rerun', reason: 'out/a.txt was changed after the task finished', entryMissing: true });
    // A file deleted since shows in its folder's change time.
    const later = Date.now() + 50;
    await new Promise((resolve) => setTimeout(resolve, 100));
    rmSync(join(dir, 'out/a.txt'));
    expect(await check('a'.repeat(64), later)).toEqual({ kind: 'rerun', reason: 'out was changed after the task finished', entryMissing: true });
    expect(existsSync(cache.entryDir('a'.repeat(64)))).toBe(false);
  });

  it("outputs missing, edited, added or relinked since the entry was stored are to be restored from it", async () => {
    const { dir, check } = setup({ 'out/a.txt': 'made', 'out/b.txt': 'made', 'out/real/f.txt': 'f' });
    symlinkSync('real', join(dir, 'out/link'));
    expect(await check()).toEqual({ kind: 'stored' });
    const changes: [() => void, string, () => void][] = [
      [() => rmSync(join(dir, 'out/a.txt')), 'out/a.txt is missing', () => writeFileSync(join(dir, 'out/a.txt'), 'made')],
      [() => writeFileSync(join(dir, 'out/b.txt'), 'edit'), 'out/b.txt was changed', () => writeFileSync(join(dir, 'out/b.txt'), 'made')],
      [() => chmodSync(join(dir, 'out/b.txt'), 0o777), 'out/b.txt was changed', () => chmodSync(join(dir, 'out/b.txt'), 0o644)],
      [() => writeFileSync(join(dir, 'out/extra.js'), 'x'), 'out/extra.js was added', () => rmSync(join(dir, 'out/extra.js'))],
      [() => (rmSync(join(dir, 'out/link')), symlinkSync('..', join(dir, 'out/link'))), 'out/link was changed', () => (rmSync(join(dir, 'out/link')), symlinkSync(join(dir, 'out/real'), join(dir, 'out/link')))],
    ];
    for (const [change, reason, undo] of changes) {
      change();
      expect(await check(), reason).toEqual({ kind: 'restore', reason });
      undo();
      // Undone (the link now absolute, to the same place): what the task made again.
      expect(await check(), `after undoing: ${reason}`).toEqual({ kind: 'intact' });
    }
  });
});

describe('UploadQueue', () => {
  it('keeps a record per hash until it is done; torn or foreign files are skipped', async () => {
    const dir = tempRepo({}, { git: false });
    const queue = new UploadQueue(join(dir, 'remote-uploads'));
    expect(await queue.pending()).toEqual([]);
    await queue.add('c'.repeat(64), 'lib#build');
    await queue.add('d'.repeat(64), 'app#build');
    writeFileSync(join(dir, 'remote-uploads', `${'e'.repeat(64)}.json`), '{"hash": tor');
    writeFileSync(join(dir, 'remote-uploads', 'notes.txt'), 'x');
    expect((await queue.pending()).map((r) => r.taskId)).toEqual(['lib#build', 'app#build']);
    await queue.done('c'.repeat(64));
    expect((await queue.pending()).map((r) => r.hash)).toEqual(['d'.repeat(64)]);
  });
});

describe('remoteCacheTrust', () => {
  const remote = (extra: object = {}) => ({ url: 'http://127.0.0.1:1', access: 'rw' as const, timeoutMs: 1000, verify: true, maxArtifactBytes: 1024, ...extra });

  it('verifies with a key, refuses reads without one unless verify is false, and a missing key variable stops a run', () => {
    expect(remoteCacheTrust(remote({ signatureKeyEnv: 'K' }), { K: 'secret' })).toMatchObject({ reads: 'verified', signatureKey: 'secret' });
    expect(remoteCacheTrust(remote(), {}).reads).toBe('refused');
    expect(remoteCacheTrust(remote({ verify: false }), {}).reads).toBe('unverified');
    expect(remoteCacheTrust(remote({ signatureKeyEnv: 'K', verify: false }), { K: '' })).toMatchObject({ reads: 'refused', missingKeyEnv: 'K' });
    const settings = (extra: object) => ({ dir: '.orch/cache', maxBytes: 1, local: 'rw' as const, force: false, remote: remote(extra) });
    expect(() => requireRemoteCacheKey(settings({ signatureKeyEnv: 'K' }), {})).toThrow('cache.remote.signatureKeyEnv names K, which is not set');
    expect(() => requireRemoteCacheKey(settings({ signatureKeyEnv: 'K', access: 'off' }), {})).not.toThrow();
  });
});
