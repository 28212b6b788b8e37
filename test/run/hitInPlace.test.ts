import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { TaskRecords } from '../../packages/plugins/src/state/TaskRecords.js';
import { sessionEvents } from '../sessions/helpers.js';

// Writes dist/index.js (from src) and dist/extra/note.txt; counts its runs in runs.log.
const BUILD = `const fs = require('fs'), path = require('path');
fs.appendFileSync(path.join(__dirname, 'runs.log'), path.basename(process.cwd()) + '\\n');
fs.mkdirSync('dist/extra', { recursive: true });
fs.writeFileSync('dist/index.js', fs.readFileSync('src/index.js', 'utf8') + '// built\\n');
fs.writeFileSync('dist/extra/note.txt', 'note\\n');
console.log('built ' + path.basename(process.cwd()));
`;
const BUILT = 'module.exports = 1;\n// built\n';

/** A package `lib` whose build writes dist/, committed; built once. */
function builtWorkspace(config: object = {}): string {
  const dir = commitAll(
    tempRepo({
      '.gitignore': 'dist/\n.orch/\nruns.log\nqa.log\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
      'p/lib/src/index.js': 'module.exports = 1;\n',
      'build.cjs': BUILD,
      'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'] } }, ...config }),
    }),
  );
  const first = runOrch(['run', 'lib#build'], dir);
  expect(first.code, first.stderr).toBe(0);
  return dir;
}

const runs = (dir: string) => readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n');
const dist = (dir: string, path = 'index.js') => join(dir, 'p/lib/dist', path);

function hit(dir: string): void {
  const run = runOrch(['run', 'lib#build'], dir);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toContain('(cached local');
  expect(runs(dir)).toEqual(['lib']);
}

describe('a cache hit whose outputs are in place', () => {
  it('leaves them as they are: no file is written again (same inode, same times)', () => {
    const dir = builtWorkspace();
    // The first hit may compare contents (files written within the last seconds), the next ones
    // go by stat data alone; neither writes the outputs again.
    for (let round = 0; round < 2; round++) {
      const before = statSync(dist(dir));
      hit(dir);
      const after = statSync(dist(dir));
      expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
    }
    expect(readFileSync(dist(dir), 'utf8')).toBe(BUILT);
  });

  it('leaves one event of the task in the session log, its end, and orch sessions still shows the task', () => {
    const dir = builtWorkspace();
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.stderr).toContain('(cached local');
    const second = /Session: (\S+)/.exec(run.stderr)![1]!;
    const events = sessionEvents(dir, second).filter((event) => event.id === 'lib#build' || event.outcome?.id === 'lib#build');
    expect(events.map((event) => event.type)).toEqual(['task-finished']);
    expect(events[0]!.outcome).toMatchObject({ status: 'succeeded', cached: 'local', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(runOrch(['sessions', 'show', second], dir).stdout).toMatch(/lib#build/);
  });

  it('records each task in one file per run, not two small files per task', async () => {
    const dir = builtWorkspace();
    hit(dir);
    expect(existsSync(join(dir, '.orch/completed'))).toBe(false);
    expect(existsSync(join(dir, '.orch/hashes'))).toBe(false);
    expect(readdirSync(join(dir, '.orch/records'))).toEqual(['base.jsonl']);
    const records = new TaskRecords(join(dir, '.orch'));
    const marker = await records.get('completed', 'lib#build');
    expect(marker?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await records.get('hash', 'lib#build'))?.hash).toBe(marker?.hash);
    expect((await records.get('outputs', 'lib#build'))?.files.map(([path]) => path)).toEqual(['dist/extra/note.txt', 'dist/index.js']);
  });
});

describe('a cache hit whose outputs have new stat data but the same bytes (issue 13: falling back to content)', () => {
  const cases: [string, (dir: string) => void][] = [
    ['a file touched', (dir) => utimesSync(dist(dir), new Date(2001, 0, 1), new Date(2001, 0, 1))],
    // Another tool sharing the folder (Turborepo's restore) writes every file anew: new inodes and times.
    ['every file written anew with the same bytes', (dir) => {
      for (const path of ['index.js', 'extra/note.txt']) {
        const bytes = readFileSync(dist(dir, path));
        rmSync(dist(dir, path));
        writeFileSync(dist(dir, path), bytes);
      }
    }],
  ];
  for (const [what, change] of cases) {
    it(`${what}: leaves them as they are, and the next hit goes by the new stat data`, async () => {
      const dir = builtWorkspace();
      hit(dir);
      change(dir);
      const before = statSync(dist(dir));
      hit(dir);
      const after = statSync(dist(dir));
      expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
      const recorded = await new TaskRecords(join(dir, '.orch')).get('outputs', 'lib#build');
      expect(recorded?.files.find(([path]) => path === 'dist/index.js')?.slice(2, 5)).toEqual([after.mtimeMs, after.ctimeMs, after.ino]);
    });
  }
});

describe('a cache hit whose outputs changed since orch stored or restored them restores them', () => {
  const cases: [string, (dir: string) => void][] = [
    ['a file edited, keeping its size', (dir) => writeFileSync(dist(dir), BUILT.replace('built', 'BUILT'))],
    ['a file deleted', (dir) => rmSync(dist(dir))],
    ['a file added among the outputs', (dir) => writeFileSync(dist(dir, 'stray.js'), 'stray\n')],
    ['a file replaced by a symbolic link', (dir) => {
      rmSync(dist(dir));
      symlinkSync('../src/index.js', dist(dir));
    }],
  ];
  for (const [what, change] of cases) {
    it(what, () => {
      const dir = builtWorkspace();
      hit(dir);
      const before = statSync(dist(dir, 'extra/note.txt'));
      change(dir);
      hit(dir);
      expect(lstatSync(dist(dir)).isFile()).toBe(true);
      expect(readFileSync(dist(dir), 'utf8')).toBe(BUILT);
      expect(existsSync(dist(dir, 'stray.js'))).toBe(false);
      expect(readFileSync(dist(dir, 'extra/note.txt'), 'utf8')).toBe('note\n');
      // The restore wrote the outputs anew (a new file: the inode number alone may be reused).
      const after = statSync(dist(dir, 'extra/note.txt'));
      expect([after.ino, after.ctimeMs]).not.toEqual([before.ino, before.ctimeMs]);
    });
  }
});

describe('gates on a cache hit', () => {
  it('the post-execution and quality-assurance gates judged the run that made the entry: a hit does not run them again', () => {
    const qa = `node -e "require('fs').appendFileSync('qa.log', 'checked\\\\n')"`;
    const dir = builtWorkspace({ gates: { 'orch:qa': { options: { commands: [qa] } } } });
    expect(readFileSync(join(dir, 'qa.log'), 'utf8')).toBe('checked\n');
    const again = runOrch(['run', 'lib#build', '--json'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'qa.log'), 'utf8')).toBe('checked\n');
    const stages = again.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; id?: string; stage?: string })
      .filter((event) => event.type === 'task-stage' && event.id === 'lib#build')
      .map((event) => event.stage);
    expect(stages).toEqual(['triage', 'dependencies', 'preGates', 'deploy', 'execute', 'persist']);
  });
});
