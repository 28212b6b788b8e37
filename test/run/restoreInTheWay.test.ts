import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// A folder standing where a cached output file goes (made by hand, or left by another build):
// the restore replaces it when it holds only outputs, and a cache entry the task's folder could
// not take stays in the cache (before, it was removed, and the task then failed on the folder).

const BUILD = `node -e "require('fs').mkdirSync('out', { recursive: true }); require('fs').copyFileSync('src.txt', 'out/b.txt')"`;

function repo(gitignore: string): string {
  return commitAll(
    tempRepo({
      '.gitignore': gitignore,
      'src.txt': 'v1\n',
      'orchestrator.config.json': JSON.stringify({ commands: { build: { run: [BUILD], inputs: ['src.txt'], outputs: ['out/**'] } } }),
    }),
  );
}

function build(dir: string): { code: number; cached: boolean; output: string } {
  const result = runOrch(['run', 'build'], dir);
  const output = result.stdout + result.stderr;
  return { code: result.code, cached: /✔ build \(cached local/.test(output), output };
}

describe('a folder where a cached output file goes', () => {
  it('is replaced by the file when it is empty or holds only outputs: the run is a hit', () => {
    const dir = repo('.orch/\nout/\n');
    expect(build(dir)).toMatchObject({ code: 0, cached: false });
    for (const inside of [[], ['deeper/f.txt']]) {
      rmSync(join(dir, 'out/b.txt'), { recursive: true, force: true });
      mkdirSync(join(dir, 'out/b.txt'));
      for (const file of inside) {
        mkdirSync(join(dir, 'out/b.txt', file, '..'), { recursive: true });
        writeFileSync(join(dir, 'out/b.txt', file), 'left over\n');
      }
      expect(build(dir)).toMatchObject({ code: 0, cached: true });
      expect(readFileSync(join(dir, 'out/b.txt'), 'utf8')).toBe('v1\n');
    }
  });

  it('holding a file git tracks is left alone, and the entry stays for the run after it is gone', () => {
    const dir = repo('.orch/\n');
    expect(build(dir)).toMatchObject({ code: 0, cached: false });
    rmSync(join(dir, 'out/b.txt'));
    mkdirSync(join(dir, 'out/b.txt'));
    writeFileSync(join(dir, 'out/b.txt/notes.md'), 'mine\n');
    commitAll(dir);
    const refused = build(dir);
    expect(refused.output).toContain('is a folder holding out/b.txt/notes.md, which is not an output');
    expect(readFileSync(join(dir, 'out/b.txt/notes.md'), 'utf8')).toBe('mine\n');
    rmSync(join(dir, 'out/b.txt'), { recursive: true });
    expect(existsSync(join(dir, 'out/b.txt'))).toBe(false);
    expect(build(dir)).toMatchObject({ code: 0, cached: true });
    expect(readFileSync(join(dir, 'out/b.txt'), 'utf8')).toBe('v1\n');
  });
});
