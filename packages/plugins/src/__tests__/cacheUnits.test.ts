import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../../../../test/helpers/tempRepo.js';
import { gitBlobHash } from '../cache/gitBlobHash.js';
import { LocalCache } from '../cache/LocalCache.js';
import { RepositoryFiles } from '../cache/repositoryFiles.js';

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
    expect(hashes.get('src/f1.js')).toBe(gitBlobHash(Buffer.from('changed\n')));
    expect(hashes.get('src/f9.js')).toBe(execFileSync('git', ['rev-parse', 'HEAD:src/f9.js'], { cwd: dir, encoding: 'utf8' }).trim());
    expect(hashes.has('ignored/x.js')).toBe(false);
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
    await cache.put({ hash: 'a'.repeat(64), taskId: 't', folder: join(dir, 'pkg'), outputs: ['dist/**'], exitCode: 0, durationMs: 1 });
    const entryDir = cache.entryDir('a'.repeat(64));
    const meta = JSON.parse(readFileSync(join(entryDir, 'meta.json'), 'utf8'));
    meta.files[0].path = '../../escape.js';
    writeFileSync(join(entryDir, 'meta.json'), JSON.stringify(meta));
    const problems: string[] = [];
    expect(await cache.get('a'.repeat(64), (p) => problems.push(p.reason))).toBeUndefined();
    expect(problems).toEqual(['unsafe path in entry: ../../escape.js']);
  });

  it('evicts expired entries, then the least recently used, down to the bound', async () => {
    const dir = tempRepo({ 'pkg/dist/out.js': 'x'.repeat(1000) });
    const cache = new LocalCache(join(dir, 'cache'));
    const put = (hash: string, ttlMs?: number) => cache.put({ hash, taskId: hash, folder: join(dir, 'pkg'), outputs: ['dist/**'], exitCode: 0, durationMs: 1, ...(ttlMs ? { ttlMs } : {}) });
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
