import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// A task is hashed from its inputs as they are when it starts, not as they were when the run
// first read the repository: files its dependencies wrote during the run are in its hash
// (Turborepo #8051, #13788, #13918 met both faults below with every hash taken at startup).

const READ = (file: string) => `node -e "console.log('read', require('fs').readFileSync('${file}', 'utf8').trim())"`;

/** The `read` lines of a run's output, and whether `test` came from the cache. */
function test(dir: string): { read: string[]; cached: boolean; hash: string } {
  const result = runOrch(['run', 'test', '--summarize', 'summary.json'], dir);
  expect(result.code, result.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { tasks: { taskId: string; hash: string }[] };
  return {
    read: (result.stdout + result.stderr).split('\n').filter((line) => /^test: read /.test(line)).map((line) => line.slice('test: read '.length)),
    cached: /✔ test \(cached/.test(result.stderr + result.stdout),
    hash: summary.tasks.find((task) => task.taskId === 'test')!.hash,
  };
}

describe('a task whose inputs its dependencies write', () => {
  it('is not served from the cache when a dependency rewrote a committed input during the run', () => {
    // `codegen` is never cached (`cache: false`) and writes out/schema.txt from a file no hash
    // takes; `lint` starts beside it, so the run reads the repository before codegen writes.
    const dir = commitAll(
      tempRepo({
        '.gitignore': '.orch/\nschema.source\nsummary.json\n',
        'schema.source': 'v1\n',
        'out/schema.txt': 'v1\n',
        'lint.txt': 'x\n',
        'orchestrator.config.json': JSON.stringify({
          commands: {
            lint: { run: ['node -e 0'], inputs: ['lint.txt'] },
            codegen: { run: [`node -e "setTimeout(() => require('fs').copyFileSync('schema.source', 'out/schema.txt'), 300)"`], cache: false, inputs: [] },
            test: { run: [READ('out/schema.txt')], dependencies: ['codegen', 'lint'], inputs: ['out/**'] },
          },
        }),
      }),
    );
    expect(test(dir).read).toEqual(['v1']);
    writeFileSync(join(dir, 'schema.source'), 'v2\n');
    const second = test(dir);
    // Hashed from the committed out/schema.txt of the run's start, it was a hit replaying "v1".
    expect(second.cached).toBe(false);
    expect(second.read).toEqual(['v2']);
  });

  it("is not served from the cache when a task of another package rewrote a committed file of its package", () => {
    const dir = commitAll(
      tempRepo({
        '.gitignore': '.orch/\nschema.source\ndist/\n',
        'schema.source': 'X\n',
        'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
        'packages/g/package.json': JSON.stringify({ name: 'g', scripts: { gen: "node -e \"require('fs').copyFileSync('../../schema.source', '../b/gen.txt')\"" } }),
        'packages/b/package.json': JSON.stringify({ name: 'b', dependencies: { g: '*' }, scripts: { build: "node -e \"require('fs').mkdirSync('dist', { recursive: true }); require('fs').copyFileSync('gen.txt', 'dist/out.txt')\"" } }),
        'packages/b/gen.txt': 'X\n',
        'orchestrator.config.json': JSON.stringify({ targets: { gen: { cache: false }, build: { dependsOn: ['^gen'], outputs: ['dist/**'] } } }),
      }),
    );
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    writeFileSync(join(dir, 'schema.source'), 'Y\n');
    const second = runOrch(['run', 'build'], dir);
    expect(second.code).toBe(0);
    // Hashed from the committed gen.txt (X) of the run's start, b#build was a hit restoring dist/out.txt from X.
    expect(second.stderr + second.stdout).not.toMatch(/✔ b#build \(cached/);
    expect(readFileSync(join(dir, 'packages/b/dist/out.txt'), 'utf8')).toBe('Y\n');
    expect(runOrch(['explain', 'b#build'], dir).stdout).toMatch(/hash: +[0-9a-f]{16} +cache hit/);
  });

  it('comes from the cache on the next run, with the hash `orch explain` gives afterwards', () => {
    const dir = commitAll(
      tempRepo({
        '.gitignore': '.orch/\nout/\nsummary.json\n',
        'src.txt': 'v1\n',
        'orchestrator.config.json': JSON.stringify({
          commands: {
            build: { run: [`node -e "require('fs').mkdirSync('out', { recursive: true }); require('fs').copyFileSync('src.txt', 'out/b.txt')"`], inputs: ['src.txt'], outputs: ['out/**'] },
            test: { run: [READ('out/b.txt')], dependencies: ['build'], inputs: ['out/**'] },
          },
        }),
      }),
    );
    const first = test(dir);
    expect(first).toMatchObject({ read: ['v1'], cached: false });
    // Hashed before build wrote out/b.txt, test needed a second run to be cached.
    const second = test(dir);
    expect(second).toMatchObject({ read: ['v1'], cached: true, hash: first.hash });
    const explained = runOrch(['explain', 'test'], dir);
    expect(explained.stdout).toContain(`hash:          ${first.hash.slice(0, 16)}  cache hit`);
    writeFileSync(join(dir, 'src.txt'), 'v2\n');
    expect(test(dir)).toMatchObject({ read: ['v2'], cached: false });
    expect(test(dir)).toMatchObject({ read: ['v2'], cached: true });
  });
});
