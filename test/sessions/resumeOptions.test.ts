import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { sessionEvents } from './helpers.js';

/** Appends its package's name to runs.log, writes dist/, and fails while `fail-<name>` exists at the root. */
const BUILD = `const fs = require('fs'); const path = require('path');
const name = require(path.join(process.cwd(), 'package.json')).name;
fs.appendFileSync(path.join(__dirname, 'runs.log'), name + '\\n');
if (fs.existsSync(path.join(__dirname, 'fail-' + name))) { console.error(name + ' failed'); process.exit(1); }
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.js', 'built ' + name + '\\n');
`;

/** Committed packages `lib` <- `app`, and `docs` on its own; a change under p/lib affects lib and app. */
function workspace(): string {
  return commitAll(
    tempRepo({
      '.gitignore': 'dist/\n.orch/\nruns.log\nfail-*\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
      'p/lib/src/index.js': 'module.exports = 1;\n',
      'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'node ../../build.cjs' } }),
      'p/docs/package.json': JSON.stringify({ name: 'docs', scripts: { build: 'node ../../build.cjs' } }),
      'build.cjs': BUILD,
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }),
    }),
  );
}

const runs = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
const resetRuns = (dir: string) => rmSync(join(dir, 'runs.log'), { force: true });
const failing = (dir: string, ...names: string[]) => {
  for (const file of readdirSync(dir).filter((f) => f.startsWith('fail-'))) rmSync(join(dir, file));
  for (const name of names) writeFileSync(join(dir, `fail-${name}`), '');
};
const cacheEntries = (dir: string) =>
  existsSync(join(dir, '.orch', 'cache'))
    ? readdirSync(join(dir, '.orch', 'cache'))
        .filter((shard) => shard.length === 2)
        .flatMap((shard) => readdirSync(join(dir, '.orch', 'cache', shard)))
    : [];

describe('orch resume of a session whose tasks changed (findings R2 #17)', () => {
  it('says which recorded task no longer exists, and runs the rest', () => {
    const dir = workspace();
    failing(dir, 'app');
    expect(runOrch(['run', 'build', '--continue'], dir).code).toBe(1);
    writeFileSync(join(dir, 'p/docs/package.json'), JSON.stringify({ name: 'docs', scripts: { compile: 'node ../../build.cjs' } }));
    failing(dir);
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/orch: session \S+ had docs#build, which no longer exists; it is not run/);
  });
});

describe('orch resume applies the options the session started with', () => {
  it('--force: the resumed run still ignores cache hits', () => {
    const dir = workspace();
    expect(runOrch(['run', 'build'], dir).code).toBe(0); // every build cached
    failing(dir, 'app');
    resetRuns(dir);
    expect(runOrch(['run', 'app#build', '--force'], dir).code).toBe(1);
    expect(runs(dir)).toEqual(['lib', 'app']);
    failing(dir);
    resetRuns(dir);
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    // lib completed in the session; app is run, not restored from its entry of the first run.
    expect(resumed.stderr).toContain('✔ lib#build (done before, unchanged)');
    expect(resumed.stderr).not.toContain('cached');
    expect(runs(dir)).toEqual(['app']);
  });

  it('--cache=local:r: the resumed run reads the cache but stores nothing', () => {
    const dir = workspace();
    failing(dir, 'app');
    expect(runOrch(['run', 'app#build', '--cache=local:r'], dir).code).toBe(1);
    failing(dir);
    resetRuns(dir);
    expect(runOrch(['resume'], dir).code).toBe(0);
    expect(runs(dir)).toEqual(['app']);
    expect(cacheEntries(dir)).toEqual([]);
  });

  it('--continue: after a failure in the resumed run, the other tasks still run; --concurrency given to resume wins', () => {
    const dir = workspace();
    failing(dir, 'lib', 'app', 'docs');
    expect(runOrch(['run', 'build', '--continue', '--concurrency', '1'], dir).code).toBe(1);
    expect(runs(dir).sort()).toEqual(['app', 'docs', 'lib']);
    failing(dir, 'lib');
    resetRuns(dir);
    const resumed = runOrch(['resume', '--concurrency', '2'], dir);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain('orch: running 3 tasks, concurrency 2');
    expect(runs(dir).sort()).toEqual(['app', 'docs', 'lib']);
    expect(resumed.stderr).toContain('✔ app#build');
    expect(resumed.stderr).toContain('✔ docs#build');
    // What the session recorded: the options as given, for the next resume too.
    expect(sessionEvents(dir)[0]!.session.request).toMatchObject({ options: { continue: 'always', concurrency: '1' } });
  });

  it("orch affected: resume runs the affected set it started with, with its --force, whatever changed since", () => {
    const dir = workspace();
    execFileSync('git', ['branch', '-M', 'main'], { cwd: dir });
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    execFileSync('git', ['checkout', '-qb', 'feature'], { cwd: dir });
    writeFileSync(join(dir, 'p/lib/src/index.js'), 'module.exports = 10;\n');
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'change lib'], { cwd: dir });
    failing(dir, 'app');
    resetRuns(dir);
    const affected = runOrch(['affected', '-t', 'build', '--base', 'main', '--force'], dir);
    expect(affected.code).toBe(1);
    expect(runs(dir)).toEqual(['lib', 'app']);
    // Back on main nothing is affected; the session still owes app#build, and runs it, forced.
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: dir });
    failing(dir);
    resetRuns(dir);
    const resumed = runOrch(['resume'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('orch: running 2 tasks');
    expect(resumed.stderr).not.toContain('cached');
    expect(runs(dir)).toEqual(['lib', 'app']);
  });

  it('the config file given with --config', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'ci.config.json'), JSON.stringify({ commands: { release: { run: 'node -e "require(\'fs\').appendFileSync(\'runs.log\', \'release\\\\n\'); if (require(\'fs\').existsSync(\'fail-release\')) process.exit(1)"' } } }));
    failing(dir, 'release');
    expect(runOrch(['run', 'release', '--config', 'ci.config.json'], dir).code).toBe(1);
    failing(dir);
    resetRuns(dir);
    const resumed = runOrch(['resume'], dir);
    expect(resumed.stderr).toContain('✔ release');
    expect(resumed.code).toBe(0);
    expect(runs(dir)).toEqual(['release']);
  });
});
