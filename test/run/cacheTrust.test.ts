import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { craftBombArtifact, craftLocalEntry, craftRemoteArtifact, type CraftedEntry } from '../helpers/craftedEntries.js';
import { startRemoteCache } from '../helpers/remoteCacheServer.js';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

const BUILD = `const fs = require('fs'), path = require('path');
fs.appendFileSync(path.join(__dirname, 'runs.log'), path.basename(process.cwd()) + '\\n');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.js', fs.readFileSync('src/index.js', 'utf8') + '// built\\n');
`;
const GEN = `node -e "const fs=require('fs');fs.appendFileSync('runs.log','gen\\\\n');fs.mkdirSync('out',{recursive:true});fs.writeFileSync('out/a.txt','gen')"`;
const HOOK = '#!/bin/sh\ntouch "$(git rev-parse --show-toplevel)/hook-ran"\n';

/** Two packages (lib, app) whose builds write dist/, and root commands that write out/. */
function workspace(config: object = {}): string {
  const dir = tempRepo({
    '.gitignore': 'dist/\n.orch/\nruns.log\nout/\nhook-ran\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
    'p/lib/src/index.js': 'module.exports = 1;\n',
    'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'node ../../build.cjs' } }),
    'p/app/src/index.js': 'module.exports = 2;\n',
    'build.cjs': BUILD,
    'x/keep.txt': 'not an output\n',
    'orchestrator.config.json': JSON.stringify({
      targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } },
      commands: {
        gen: { run: GEN, outputs: ['out/**'], inputs: ['x/**'] },
        'gen-hooks': { run: GEN, outputs: ['out/**', '.git/hooks/**'], inputs: ['x/**'] },
      },
      ...config,
    }),
  });
  return commitAll(dir);
}

const runs = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);

/** Each task's hash, as the run will compute it. */
function hashes(dir: string, names: string[], env: Record<string, string> = {}): Record<string, string> {
  const plan = JSON.parse(runOrch(['run', ...names, '--dry-run', '--json'], dir, env).stdout) as { tasks: { id: string; hash: string }[] };
  return Object.fromEntries(plan.tasks.map((task) => [task.id, task.hash]));
}

/** A folder outside the repository with a file in it, which no restore may touch. */
function outsideFolder(): string {
  const dir = tempRepo({ 'secret.txt': 'outside\n' }, { git: false });
  return dir;
}

/** Commits in the repository, so a pre-commit hook would run; true if one ran. */
function commitRunsHook(dir: string): boolean {
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'next'], { cwd: dir });
  return existsSync(join(dir, 'hook-ran'));
}

/** The hostile entries of issue 11, part 1, for lib, app and the root commands of `workspace`. */
function hostileEntries(repo: string, victim: string): Record<'lib' | 'app' | 'genThroughLink' | 'hookOutsideOutputs' | 'hookInsideGit', CraftedEntry> {
  mkdirSync(join(repo, 'p/app/dist'), { recursive: true });
  symlinkSync(victim, join(repo, 'p/app/dist/linked'));
  symlinkSync(victim, join(repo, 'linked'));
  return {
    // Its own outputs claim folders outside the task's: a restore must not delete there.
    lib: { taskId: 'lib#build', files: { 'dist/index.js': 'crafted\n' }, outputs: [`${victim}/**`, '../../x/**', 'dist/**'] },
    // A file under the task's outputs, through a link to a folder outside.
    app: { taskId: 'app#build', files: { 'dist/linked/planted.txt': 'planted\n' } },
    // The issue's case: a link in the repository (`linked -> outside`), not an output.
    genThroughLink: { taskId: 'gen', files: { 'linked/planted.txt': 'planted\n', 'out/a.txt': 'gen' } },
    hookOutsideOutputs: { taskId: 'gen', files: { '.git/hooks/pre-commit': HOOK, 'out/a.txt': 'gen' } },
    // Even outputs that name .git never let a restore write there.
    hookInsideGit: { taskId: 'gen-hooks', files: { '.git/hooks/pre-commit': HOOK, 'out/a.txt': 'gen' } },
  };
}

describe('restore is confined to what the current config declares (local entries)', () => {
  it("an entry's own outputs (/tmp/…/**, ../../x/**) never decide what is deleted", () => {
    const dir = workspace();
    const victim = outsideFolder();
    const { 'lib#build': hash } = hashes(dir, ['lib#build']);
    craftLocalEntry(dir, hash!, hostileEntries(dir, victim).lib);
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/✔ lib#build \(cached local, /);
    expect(readFileSync(join(victim, 'secret.txt'), 'utf8')).toBe('outside\n');
    expect(readFileSync(join(dir, 'x/keep.txt'), 'utf8')).toBe('not an output\n');
    expect(readFileSync(join(dir, 'p/lib/dist/index.js'), 'utf8')).toBe('crafted\n');
  });

  it('a file written through a symlinked folder is refused, naming the path; the task runs and nothing lands outside', () => {
    const dir = workspace();
    const victim = outsideFolder();
    const entries = hostileEntries(dir, victim);
    const ids = hashes(dir, ['app#build', 'gen']);
    craftLocalEntry(dir, ids['app#build']!, entries.app);
    craftLocalEntry(dir, ids.gen!, entries.genThroughLink);
    const run = runOrch(['run', 'app#build', 'gen'], dir);
    expect(run.stderr).toContain(`warning: app#build: local cache entry refused: dist/linked/planted.txt resolves outside the task's folder (through a symbolic link to ${victim}); running the task`);
    expect(run.stderr).toContain("warning: gen: local cache entry refused: linked/planted.txt is not among the task's outputs (out/**); running the task");
    expect(runs(dir).sort()).toEqual(['app', 'gen', 'lib']);
    expect(existsSync(join(victim, 'planted.txt'))).toBe(false);
    expect(readFileSync(join(victim, 'secret.txt'), 'utf8')).toBe('outside\n');
    // The link is among app's outputs now, and it leaves the repository: app is not stored.
    expect(run.stderr).toContain(`warning: app#build: not cached: dist/linked is a symbolic link to ${victim}, outside the repository`);
  });

  it('never writes into .git (a pre-commit hook would have run), whether or not the outputs name it', () => {
    const dir = workspace();
    const entries = hostileEntries(dir, outsideFolder());
    const ids = hashes(dir, ['gen', 'gen-hooks']);
    craftLocalEntry(dir, ids.gen!, entries.hookOutsideOutputs);
    craftLocalEntry(dir, ids['gen-hooks']!, entries.hookInsideGit);
    const run = runOrch(['run', 'gen', 'gen-hooks'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning: gen: local cache entry refused: .git/hooks/pre-commit is not among the task's outputs (out/**); running the task");
    expect(run.stderr).toContain('warning: gen-hooks: local cache entry refused: .git/hooks/pre-commit is inside a .git folder; running the task');
    expect(existsSync(join(dir, '.git/hooks/pre-commit'))).toBe(false);
    expect(commitRunsHook(dir)).toBe(false);
    // What the entry carried is a working hook: written there, the next commit runs it.
    writeFileSync(join(dir, '.git/hooks/pre-commit'), HOOK);
    chmodSync(join(dir, '.git/hooks/pre-commit'), 0o755);
    expect(commitRunsHook(dir)).toBe(true);
  });
});

describe('restore is confined to what the current config declares (remote artifacts, turborepo-remote-cache)', () => {
  it('refuses the same hostile entries as artifacts on the server', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token };
    const dir = workspace({ cache: { remote: { url: server.url, team: 'ci', verify: false } } });
    const victim = outsideFolder();
    const entries = hostileEntries(dir, victim);
    const ids = hashes(dir, ['lib#build', 'app#build', 'gen-hooks'], env);
    await craftRemoteArtifact(server, ids['lib#build']!, entries.lib);
    await craftRemoteArtifact(server, ids['app#build']!, entries.app);
    await craftRemoteArtifact(server, ids['gen-hooks']!, entries.hookInsideGit);
    const run = runOrch(['run', 'app#build', 'gen-hooks'], dir, env);
    expect(run.stderr).toMatch(/✔ lib#build \(cached remote, /);
    expect(readFileSync(join(victim, 'secret.txt'), 'utf8')).toBe('outside\n');
    expect(readFileSync(join(dir, 'x/keep.txt'), 'utf8')).toBe('not an output\n');
    expect(run.stderr).toContain(`warning: app#build: remote cache entry refused: dist/linked/planted.txt resolves outside the task's folder (through a symbolic link to ${victim}); running the task`);
    expect(run.stderr).toContain('warning: gen-hooks: remote cache entry refused: .git/hooks/pre-commit is inside a .git folder; running the task');
    expect(existsSync(join(victim, 'planted.txt'))).toBe(false);
    expect(commitRunsHook(dir)).toBe(false);
    expect(runs(dir).sort()).toEqual(['app', 'gen']);
  });
});

describe('remote artifacts are bounded (verify: false, turborepo-remote-cache)', () => {
  it('an artifact that unpacks to more than its meta.json declares is refused before it is written, and leaves nothing behind', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token };
    const dir = workspace({ cache: { remote: { url: server.url, team: 'ci', verify: false } } });
    const hash = hashes(dir, ['lib#build'], env)['lib#build']!;
    const refusals = {
      file: `warning: lib#build: refused the remote artifact for ${hash.slice(0, 12)}: it holds files/dist/out.txt of ${256 * 1024 ** 2} bytes, where its meta.json declares 19; running the task`,
      'after-end': `warning: lib#build: refused the remote artifact for ${hash.slice(0, 12)}: it unpacks to more than its meta.json declares; running the task`,
    };
    for (const where of ['file', 'after-end'] as const) {
      // 256 MiB of zeros in about 250 KB (the finding's was 1 GiB in 1 MB).
      await craftBombArtifact(server, hash, { inflated: 256 * 1024 ** 2, in: where });
      rmSync(join(dir, '.orch'), { recursive: true, force: true });
      rmSync(join(dir, 'runs.log'), { force: true });
      const run = runOrch(['run', 'lib#build'], dir, env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(refusals[where]);
      expect(runs(dir)).toEqual(['lib']);
      expect(readFileSync(join(dir, 'p/lib/dist/index.js'), 'utf8')).toBe('module.exports = 1;\n// built\n');
      // No staging folder or download left, and the cache holds only the task's own small entry.
      expect(existsSync(join(dir, '.orch/cache/tmp')) ? readdirSync(join(dir, '.orch/cache/tmp')) : []).toEqual([]);
      expect(folderBytes(join(dir, '.orch/cache'))).toBeLessThan(64 * 1024);
    }
  });

  it('an artifact larger than cache.remote.maxArtifactSize, downloaded or declared unpacked, is refused; the task runs', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token };
    // Random bytes (the download is large) and zeros (it is small, but its meta.json declares 3 MB).
    for (const fill of ['crypto.randomBytes(3 << 20)', 'Buffer.alloc(3 << 20)']) {
      const build = `const fs = require('fs'), crypto = require('crypto'); fs.appendFileSync('runs.log', 'big\\n'); fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/big.bin', ${fill});`;
      const files = {
        '.gitignore': 'dist/\n.orch/\nruns.log\n',
        'build.cjs': build,
        'orchestrator.config.json': JSON.stringify({ commands: { big: { run: 'node build.cjs', outputs: ['dist/**'], inputs: ['build.cjs'] } }, cache: { remote: { url: server.url, team: 'ci', verify: false } } }),
      };
      const writer = commitAll(tempRepo(files));
      expect(runOrch(['run', 'big'], writer, env).code).toBe(0);
      const reader = commitAll(tempRepo({ ...files, 'orchestrator.config.json': files['orchestrator.config.json'].replace('"verify":false', '"verify":false,"maxArtifactSize":"1MB"') }));
      const run = runOrch(['run', 'big'], reader, env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        fill.startsWith('crypto')
          ? /warning: big: refused the artifact for [0-9a-f]{12}: it is larger than the 1048576 bytes cache\.remote\.maxArtifactSize allows/
          : /warning: big: refused the remote artifact for [0-9a-f]{12}: its meta\.json declares \d+ bytes, more than the 1048576 cache\.remote\.maxArtifactSize allows; running the task/,
      );
      expect(runs(reader)).toEqual(['big']);
      expect(existsSync(join(reader, '.orch/cache/tmp')) ? readdirSync(join(reader, '.orch/cache/tmp')) : []).toEqual([]);
    }
  });
});

/** Bytes of every file below a folder. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/** A package whose build makes a folder, a link to it, a link to a file in it, and an executable. */
function linkWorkspace(remote?: object, extraLink?: string): string {
  const build = `const fs = require('fs'), path = require('path');
fs.appendFileSync(path.join(__dirname, '..', '..', 'runs.log'), 'lib\\n');
fs.rmSync('dist', { recursive: true, force: true });
fs.mkdirSync('dist/real', { recursive: true });
fs.writeFileSync('dist/real/f.txt', 'real file\\n');
fs.symlinkSync('real', 'dist/linkdir');
fs.symlinkSync('real/f.txt', 'dist/link.txt');
fs.writeFileSync('dist/run.sh', '#!/bin/sh\\necho run\\n', { mode: 0o755 });
${extraLink ? `fs.symlinkSync(${JSON.stringify(extraLink)}, 'dist/out');` : ''}`;
  const dir = tempRepo({
    '.gitignore': 'dist/\n.orch/\nruns.log\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node build.cjs' } }),
    'p/lib/build.cjs': build,
    'orchestrator.config.json': JSON.stringify({ targets: { build: { outputs: ['dist/**'] } }, ...(remote ? { cache: { remote: { team: 'ci', ...remote } } } : {}) }),
  });
  return commitAll(dir);
}

function expectLinkedOutputs(dir: string): void {
  const dist = join(dir, 'p/lib/dist');
  expect(lstatSync(join(dist, 'linkdir')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(dist, 'linkdir'))).toBe('real');
  expect(lstatSync(join(dist, 'link.txt')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(dist, 'link.txt'))).toBe('real/f.txt');
  expect(readFileSync(join(dist, 'linkdir/f.txt'), 'utf8')).toBe('real file\n');
  expect(statSync(join(dist, 'run.sh')).mode & 0o777).toBe(0o755);
}

describe('symbolic links in outputs', () => {
  it('come back as links (a link to a folder is not copied, a link to a file is not dropped), locally and from the remote cache', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'k' };
    const first = linkWorkspace({ url: server.url, signatureKeyEnv: 'CACHE_KEY' });
    expect(runOrch(['run', 'build'], first, env).code).toBe(0);
    rmSync(join(first, 'p/lib/dist'), { recursive: true });
    const local = runOrch(['run', 'build'], first, env);
    expect(local.stderr).toMatch(/✔ lib#build \(cached local, /);
    expectLinkedOutputs(first);
    const second = linkWorkspace({ url: server.url, signatureKeyEnv: 'CACHE_KEY' });
    const remote = runOrch(['run', 'build'], second, env);
    expect(remote.stderr).toMatch(/✔ lib#build \(cached remote, /);
    expect(runs(second)).toEqual([]);
    expectLinkedOutputs(second);
  });

  it('a link whose target leaves the repository is refused at store with a warning', () => {
    const outside = outsideFolder();
    const dir = linkWorkspace(undefined, outside);
    const run = runOrch(['run', 'build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: lib#build: not cached: dist/out is a symbolic link to ${outside}, outside the repository`);
    runOrch(['run', 'build'], dir);
    expect(runs(dir)).toEqual(['lib', 'lib']);
  });
});
