import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo, writeTree, commitAll } from '../helpers/tempRepo.js';
import { runOrch, startOrch } from '../helpers/runOrch.js';

const BUILD = `const fs = require('fs');
const name = require('./package.json').name;
fs.appendFileSync('../../runs.log', name + '\\n');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.js', fs.readFileSync('src/index.js', 'utf8') + '// built ' + name + '\\n');
console.log('\\u001b[32mbuilt\\u001b[39m ' + name);
`;

/** A committed two-package workspace whose builds append to runs.log, so a test can count what ran. */
function workspace(config: object = {}): string {
  const dir = tempRepo({
    '.gitignore': 'dist/\n.orch/\nruns.log\nnode_modules/\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
    'p/lib/src/index.js': 'module.exports = 1;\n',
    'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'node ../../build.cjs' } }),
    'p/app/src/index.js': 'module.exports = 2;\n',
    'build.cjs': BUILD.replaceAll("'../../runs.log'", "require('path').join(__dirname, 'runs.log')").replace("require('./package.json')", "require(require('path').join(process.cwd(), 'package.json'))"),
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['BUILD_MODE'] } }, ...config }),
  });
  return commitAll(dir);
}

const runs = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
const resetRuns = (dir: string) => rmSync(join(dir, 'runs.log'), { force: true });
const outcomes = (stdout: string) => Object.fromEntries(stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'task-finished').map((e) => [e.outcome.id, e.outcome]));

describe('the local cache', () => {
  it('restores outputs and replays logs on a second run, and says so', () => {
    const dir = workspace();
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
    resetRuns(dir);
    rmSync(join(dir, 'p/app/dist'), { recursive: true });
    writeFileSync(join(dir, 'p/lib/dist/stale.js'), 'stale');
    const second = runOrch(['run', 'build'], dir);
    expect(second.code).toBe(0);
    expect(runs(dir)).toEqual([]);
    expect(second.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    expect(second.stderr).toMatch(/✔ app#build \(cached local, /);
    expect(second.stdout).toContain('app#build: \u001b[32mbuilt\u001b[39m app'); // replayed, colours kept
    expect(readFileSync(join(dir, 'p/app/dist/index.js'), 'utf8')).toBe('module.exports = 2;\n// built app\n');
    expect(existsSync(join(dir, 'p/lib/dist/stale.js'))).toBe(false); // stale outputs removed
  });

  it('replays logs with their colours', () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    const replay = runOrch(['run', 'lib#build', '--json'], dir);
    const text = replay.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'task-output').map((e) => e.text).join('');
    expect(text).toContain('\u001b[32mbuilt\u001b[39m lib');
  });

  it("keeps in an entry's meta.json what a hit reads, not the hash inputs (orch explain reads those from the task's records)", () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    const cache = join(dir, '.orch/cache');
    const [entry] = readdirSync(cache).filter((name) => /^[0-9a-f]{2}$/.test(name)).flatMap((prefix) => readdirSync(join(cache, prefix)).map((hash) => join(cache, prefix, hash)));
    const meta = JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(meta).sort()).toEqual(['createdAt', 'durationMs', 'exitCode', 'files', 'format', 'hash', 'log', 'outputs', 'taskId']);
    const explained = JSON.parse(runOrch(['explain', 'lib#build', '--json'], dir).stdout) as { tasks?: { inputs: { files: Record<string, string> } }[] } | { inputs: { files: Record<string, string> } }[];
    expect(JSON.stringify(explained)).toContain('p/lib/src/index.js');
  });

  it('runs only what a change touches: the package and its dependents', () => {
    const dir = workspace();
    runOrch(['run', 'build'], dir);
    resetRuns(dir);
    writeFileSync(join(dir, 'p/app/src/index.js'), 'module.exports = 3;\n');
    const run = runOrch(['run', 'build', '--json'], dir);
    expect(runs(dir)).toEqual(['app']);
    expect(outcomes(run.stdout)['lib#build'].cached).toBe('local');
    resetRuns(dir);
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 9;\n');
    runOrch(['run', 'build'], dir);
    expect(runs(dir).sort()).toEqual(['app', 'lib']);
  });

  it('a config command without inputs may read any file: a change anywhere runs it again; inputs narrow that', () => {
    const dir = workspace({
      commands: {
        check: { run: `node -e "require('fs').appendFileSync('runs.log', 'check\\\\n')"` },
        narrow: { run: `node -e "require('fs').appendFileSync('runs.log', 'narrow\\\\n')"`, inputs: ['p/lib/**'] },
      },
    });
    runOrch(['run', 'check', 'narrow'], dir);
    runOrch(['run', 'check', 'narrow'], dir);
    expect(runs(dir).sort()).toEqual(['check', 'narrow']);
    resetRuns(dir);
    writeFileSync(join(dir, 'p/app/src/index.js'), 'module.exports = 4;\n');
    runOrch(['run', 'check', 'narrow'], dir);
    expect(runs(dir)).toEqual(['check']);
  });

  it('hashes declared env values, and --force ignores hits', () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    resetRuns(dir);
    runOrch(['run', 'lib#build'], dir, { BUILD_MODE: 'production' });
    expect(runs(dir)).toEqual(['lib']);
    runOrch(['run', 'lib#build', '--force'], dir, { BUILD_MODE: 'production' });
    expect(runs(dir)).toEqual(['lib', 'lib']);
  });

  it('never caches a task with cache: false, nor with --cache=local:off', () => {
    const dir = workspace({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], cache: false } } });
    runOrch(['run', 'lib#build'], dir);
    runOrch(['run', 'lib#build'], dir);
    expect(runs(dir)).toEqual(['lib', 'lib']);
    const other = workspace();
    runOrch(['run', 'lib#build', '--cache=local:off'], other);
    runOrch(['run', 'lib#build'], other);
    expect(runs(other)).toEqual(['lib', 'lib']);
    expect(runOrch(['run', 'lib#build', '--cache=disk:rw'], other).stderr).toContain("--cache disk:rw: expected <local|remote>:<rw|r|w|off>, comma-separated ('disk:rw' is not)");
  });

  it('orch explain shows the inputs and what changed; --dry-run --json predicts hits', () => {
    const dir = workspace();
    runOrch(['run', 'build'], dir);
    writeFileSync(join(dir, 'p/lib/src/extra.js'), 'new file\n');
    const explain = runOrch(['explain', 'app#build'], dir, { BUILD_MODE: 'debug' });
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('cache miss');
    // The value is hashed, never printed: the first run had it unset.
    expect(explain.stdout).toContain(`env:           BUILD_MODE ${createHash('sha256').update('debug').digest('hex').slice(0, 12)} (value hashed)`);
    expect(explain.stdout).not.toContain('debug');
    expect(explain.stdout).toContain('    env BUILD_MODE set');
    expect(explain.stdout).toContain('    dependency lib#build');
    const lib = JSON.parse(runOrch(['explain', 'lib#build', '--json'], dir).stdout)[0];
    expect(lib.changes).toEqual(['added: p/lib/src/extra.js']);
    expect(lib.inputs.files).toHaveProperty('p/lib/src/index.js');
    expect(lib.inputs.files).not.toHaveProperty('p/lib/dist/index.js');
    const plan = JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], dir).stdout);
    expect(plan.tasks.map((t: { id: string; cache: string }) => [t.id, t.cache])).toEqual([
      ['lib#build', 'miss'],
      ['app#build', 'miss'],
    ]);
    rmSync(join(dir, 'p/lib/src/extra.js'));
    const again = JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], dir).stdout);
    expect(again.tasks.every((t: { cache: string; hash: string }) => t.cache === 'hit' && t.hash.length === 64)).toBe(true);
    // --force runs every task whatever the cache holds, and the plan says so (findings R2 #16).
    const forced = JSON.parse(runOrch(['run', 'build', '--force', '--dry-run', '--json'], dir).stdout);
    expect(forced.tasks.map((t: { cache: string }) => t.cache)).toEqual(['forced', 'forced']);
    const text = runOrch(['run', 'build', '--force', '--dry-run'], dir).stdout;
    expect(text).toContain('runs: --force ignores the cache]');
    expect(text).not.toContain('cache hit');
  });

  it('--only trusts a dependency only while its hash matches, and names the change', () => {
    const dir = workspace();
    runOrch(['run', 'build'], dir);
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 5;\n');
    const run = runOrch(['run', 'app#build', '--only'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unsatisfied dependency lib#build: inputs changed since it last ran (changed: p/lib/src/index.js); run `orch run lib#build` first');
  });
});

describe('cache faults', () => {
  const entryFiles = (dir: string) => {
    const root = join(dir, '.orch/cache');
    return readdirSync(root).filter((s) => s.length === 2).flatMap((shard) => readdirSync(join(root, shard)).map((hash) => join(root, shard, hash)));
  };

  it("replays a small log from its meta.json (a hit reads one file an entry), and a larger one from the entry's log files", () => {
    const dir = workspace({ commands: { loud: { run: `node -e "process.stdout.write('o'.repeat(3000)); process.stderr.write('e'.repeat(3000))"`, inputs: [] } } });
    runOrch(['run', 'lib#build', 'loud'], dir);
    const metaOf = (entry: string) => JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as { taskId: string; log: { bytes: number; chunks?: unknown } };
    const entries = Object.fromEntries(entryFiles(dir).map((entry) => [metaOf(entry).taskId, entry]));
    expect(metaOf(entries['lib#build']!).log.chunks).toEqual([{ stream: 'stdout', text: '\u001b[32mbuilt\u001b[39m lib\n' }]);
    expect(metaOf(entries.loud!).log).toEqual({ bytes: 6000 });
    // The small one replays from meta.json, colours and all: what its log file holds is not read.
    const logFile = join(entries['lib#build']!, 'output.log');
    writeFileSync(logFile, 'x'.repeat(readFileSync(logFile).length));
    resetRuns(dir);
    const replay = runOrch(['run', 'lib#build', 'loud', '--json'], dir);
    expect(runs(dir)).toEqual([]);
    const printed = replay.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'task-output');
    expect(printed.filter((e) => e.id === 'lib#build').map((e) => [e.stream, e.text])).toEqual([['stdout', '\u001b[32mbuilt\u001b[39m lib\n']]);
    expect(printed.filter((e) => e.id === 'loud').map((e) => e.text).join('')).toBe('o'.repeat(3000) + 'e'.repeat(3000));
  });

  it("a log in meta.json that is not what orch keeps there, or whose files are gone, is a corrupt entry: the task runs", () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    const [entry] = entryFiles(dir);
    const meta = JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8'));
    const text = meta.log.chunks[0].text as string;
    const cases: [string, (entry: string) => void, string][] = [
      ['a stream that is not stdout or stderr', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: { ...meta.log, chunks: [{ stream: 'stdin', text: 'x' }] } })), 'holds a log that is not chunks of stdout and stderr text of at most its \\d+ bytes \\(4096 at most\\)'],
      ['more text than its bytes', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: { ...meta.log, chunks: [{ stream: 'stdout', text: text.repeat(2) }] } })), 'holds a log that is not chunks'],
      ['a million empty chunks', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: { ...meta.log, chunks: Array.from({ length: 1_000_000 }, () => ({ stream: 'stdout', text: '' })) } })), 'holds a log that is not chunks'],
      ['more bytes than a log kept there', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: { bytes: 100_000, chunks: meta.log.chunks } })), 'holds a log that is not chunks'],
      ['a size that is not a number', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: { bytes: '12', chunks: meta.log.chunks } })), 'describes its log wrongly \\(expected `log: \\{ bytes \\}`, a whole number of bytes above 0\\)'],
      ['a log that is null', () => writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, log: null })), 'describes its log wrongly'],
      ['its log file gone', () => rmSync(join(entry!, 'output.log')), 'is missing'],
    ];
    for (const [what, spoil, said] of cases) {
      const pristine = readFileSync(join(entry!, 'meta.json'), 'utf8');
      const log = readFileSync(join(entry!, 'output.log'));
      spoil(entry!);
      resetRuns(dir);
      const run = runOrch(['run', 'lib#build'], dir);
      expect(run.code, what).toBe(0);
      expect(run.stderr, what).toMatch(new RegExp(`discarded a corrupt cache entry \\([0-9a-f]{2}/[0-9a-f]{64}/(meta\\.json|output\\.log) ${said}`));
      expect(runs(dir), what).toEqual(['lib']);
      // The run stored the entry again: back as it was for the next case.
      writeFileSync(join(entry!, 'meta.json'), pristine);
      writeFileSync(join(entry!, 'output.log'), log);
    }
  });

  // Found by a fresh tester (session 26): an entry whose meta.json said the run failed was a miss
  // every time, never replaced by the successful runs after it, without a word.
  it('an entry that records a failed run is corrupt (only successes are stored): discarded, and the next store replaces it', () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    const [entry] = entryFiles(dir);
    for (const exitCode of [1, '0', null]) {
      const meta = JSON.parse(readFileSync(join(entry!, 'meta.json'), 'utf8'));
      writeFileSync(join(entry!, 'meta.json'), JSON.stringify({ ...meta, exitCode }));
      resetRuns(dir);
      const run = runOrch(['run', 'lib#build'], dir);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`discarded a corrupt cache entry \\([0-9a-f]{2}/[0-9a-f]{64}/meta\\.json records a run that did not succeed \\(exit code ${JSON.stringify(exitCode).replace(/"/g, '"')}\\)`));
      expect(runs(dir)).toEqual(['lib']);
      resetRuns(dir);
      expect(runOrch(['run', 'lib#build'], dir).stderr).toContain('cached');
      expect(runs(dir), String(exitCode)).toEqual([]);
    }
  });

  it('discards a corrupt or truncated entry with a warning and runs the task', () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    const [entry] = entryFiles(dir);
    writeFileSync(join(entry!, 'files/dist/index.js'), 'tampered');
    resetRuns(dir);
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: lib#build: discarded a corrupt cache entry \([0-9a-f]{2}\/[0-9a-f]{64}\/files\/dist\/index\.js has 8 bytes, expected \d+\)/);
    expect(runs(dir)).toEqual(['lib']);
    writeFileSync(join(entryFiles(dir)[0]!, 'meta.json'), '{"hash": trunc');
    const truncated = runOrch(['run', 'lib#build'], dir).stderr;
    expect(truncated).toMatch(/discarded a corrupt cache entry \([0-9a-f]{2}\/[0-9a-f]{64}\/meta\.json is not valid JSON\)/);
    // What the file holds is never echoed, nor Node's parser text.
    expect(truncated).not.toMatch(/trunc|Unexpected token/);
  });

  it('discards an entry whose files were deleted', () => {
    const dir = workspace();
    runOrch(['run', 'lib#build'], dir);
    rmSync(join(entryFiles(dir)[0]!, 'files'), { recursive: true });
    resetRuns(dir);
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/discarded a corrupt cache entry \([0-9a-f]{2}\/[0-9a-f]{64}\/files\/dist\/index\.js is missing\)/);
    expect(run.stderr).not.toMatch(/ENOENT|lstat/);
    expect(runs(dir)).toEqual(['lib']);
  });

  it('an unwritable cache never fails a task', () => {
    // The cache folder is a file: every write fails, as on a full or read-only disk (even for root).
    const dir = workspace({ cache: { dir: 'blocked' } });
    writeTree(dir, { blocked: 'not a folder' });
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: lib#build: not cached: blocked\/\S+: (a parent is not a folder|already exists)/);
    expect(run.stderr).not.toMatch(/ENOTDIR|EEXIST|corrupt/);
  });

  it('a lockfile change reruns only the packages whose resolved dependencies changed', () => {
    const lock = (appLodash: string) => `lockfileVersion: '9.0'\nimporters:\n  p/lib:\n    dependencies:\n      left-pad:\n        specifier: ^1.3.0\n        version: 1.3.0\n  p/app:\n    dependencies:\n      lodash:\n        specifier: ^4.17.0\n        version: ${appLodash}\n`;
    const dir = workspace();
    writeFileSync(join(dir, 'pnpm-lock.yaml'), lock('4.17.20'));
    runOrch(['run', 'build'], dir);
    resetRuns(dir);
    writeFileSync(join(dir, 'pnpm-lock.yaml'), lock('4.17.21'));
    runOrch(['run', 'build'], dir);
    expect(runs(dir)).toEqual(['app']);
    expect(JSON.parse(runOrch(['explain', 'app#build', '--json'], dir).stdout)[0].changes).toEqual([]);
  });

  it('a task that writes outside its outputs fails the side-effects gate and is not cached', () => {
    const dir = workspace({ commands: { gen: { run: 'mkdir -p out && echo a > out/a.txt && echo b > stray.txt', outputs: ['out/**'], description: 'gen' } } });
    const run = runOrch(['run', 'gen'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('changed outside the declared outputs: stray.txt');
    expect(existsSync(join(dir, '.orch/cache'))).toBe(false);
  });

  it('warns about an output glob that matches nothing', () => {
    const dir = workspace({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**', 'build/**'] } } });
    expect(runOrch(['run', 'lib#build'], dir).stderr).toContain("warning: lib#build: output 'build/**' matched no file");
  });

  it('says an output glob that matches nothing in many packages once, with the count and names, before the summary (findings 15 #8)', () => {
    const packages = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`packages/p${i}/package.json`, JSON.stringify({ name: `p${i}`, scripts: { build: 'node -e 0' } })]));
    const dir = commitAll(
      tempRepo({
        '.gitignore': '.orch/\n',
        'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
        ...packages,
        'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'] } } }),
      }),
    );
    const run = runOrch(['run', 'build'], dir);
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('matched no file'));
    expect(warnings).toEqual(["warning: build: output 'dist/**' matched no file (in 12 packages: p0, p1, p10, p11, p2, p3, p4, p5, p6, p7 and 2 more)"]);
    expect(run.stderr.indexOf('matched no file')).toBeLessThan(run.stderr.indexOf('Tasks:'));
  });

  it('an expired entry (ttl) is not used', () => {
    const dir = workspace({ cache: { ttl: 1 } });
    runOrch(['run', 'lib#build'], dir);
    runOrch(['run', 'lib#build'], dir);
    expect(runs(dir)).toEqual(['lib', 'lib']);
  });

  it('two orch processes filling one cache at once leave it whole', async () => {
    const shared = tempRepo();
    const a = workspace({ cache: { dir: shared } });
    const b = workspace({ cache: { dir: shared } });
    const [ra, rb] = await Promise.all([startOrch(['run', 'build'], a).exited, startOrch(['run', 'build'], b).exited]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const c = workspace({ cache: { dir: shared } });
    const rc = runOrch(['run', 'build'], c);
    expect(rc.stderr).toContain('(2 cached)');
    expect(readFileSync(join(c, 'p/app/dist/index.js'), 'utf8')).toBe('module.exports = 2;\n// built app\n');
  });
});

describe('orch cache', () => {
  it('stats and clean', () => {
    const dir = workspace();
    runOrch(['run', 'build'], dir);
    runOrch(['run', 'build'], dir);
    const stats = JSON.parse(runOrch(['cache', 'stats', '--json'], dir).stdout);
    expect(stats).toMatchObject({ entries: 2, taskRuns: 4, cacheHits: 2, hitRate: 0.5 });
    expect(runOrch(['cache', 'clean', '--older-than', '7d'], dir).stdout).toBe('removed 0 entries, freed 0.0 MB\n');
    expect(runOrch(['cache', 'clean'], dir).stdout).toMatch(/^removed 2 entries/);
    expect(JSON.parse(runOrch(['cache', 'stats', '--json'], dir).stdout).entries).toBe(0);
    expect(runOrch(['cache', 'clean', '--older-than', 'soon'], dir).code).toBe(2);
  });
});
