import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo, commitAll } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { startBrokenServer, startRemoteCache, freePort } from '../helpers/remoteCacheServer.js';

/** A clone of the same small repository (two packages), with the remote cache configured. */
function clone(remote: object): string {
  const dir = tempRepo({
    '.gitignore': 'dist/\n.orch/\nruns.log\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
    'p/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: 'node ../../build.cjs' } }),
    'p/lib/src/index.js': 'module.exports = 1;\n',
    'p/app/package.json': JSON.stringify({ name: 'app', dependencies: { lib: '*' }, scripts: { build: 'node ../../build.cjs' } }),
    'p/app/src/index.js': 'module.exports = 2;\n',
    'build.cjs': "const fs=require('fs'),path=require('path');fs.appendFileSync(path.join(__dirname,'runs.log'),process.cwd()+'\\n');fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/index.js',fs.readFileSync('src/index.js','utf8')+'//built\\n');console.log('built');\n",
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } }, cache: { remote: { team: 'ci', timeout: '2s', ...remote } } }),
  });
  return commitAll(dir);
}

const ran = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').length : 0);

describe('the remote cache (turborepo-remote-cache on loopback)', () => {
  it('shares a cache between two clones; a remote hit fills the local cache', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'shared key' };
    const signed = { url: server.url, signatureKeyEnv: 'CACHE_KEY' };
    const first = clone(signed);
    expect(runOrch(['run', 'build'], first, env).code).toBe(0);
    expect(ran(first)).toBe(2);
    const second = clone(signed);
    const run = runOrch(['run', 'build'], second, env);
    expect(run.code).toBe(0);
    expect(ran(second)).toBe(0);
    expect(run.stderr).toContain('Tasks:  2 succeeded (2 cached) (2 total)');
    expect(run.stderr).toMatch(/✔ app#build \(cached remote, /);
    expect(readFileSync(join(second, 'p/app/dist/index.js'), 'utf8')).toBe('module.exports = 2;\n//built\n');
    // HEAD predicts a remote hit; the status endpoint answers.
    const third = clone(signed);
    const plan = JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], third, env).stdout);
    expect(plan.tasks.map((t: { cache: string }) => t.cache)).toEqual(['remote-hit', 'remote-hit']);
    expect(JSON.parse(runOrch(['cache', 'stats', '--json'], third, env).stdout).remote).toEqual({ url: server.url, status: 'enabled', reads: 'verified', pendingUploads: 0 });
    rmSync(join(second, 'p/app/dist'), { recursive: true });
    const local = runOrch(['run', 'build', '--cache=remote:off'], second, env);
    expect(local.stderr).toMatch(/✔ app#build \(cached local, /);
  });

  it('signs artifacts and refuses unsigned or badly signed ones', async () => {
    const server = await startRemoteCache();
    const signed = { url: server.url, signatureKeyEnv: 'CACHE_KEY' };
    const a = clone(signed);
    expect(runOrch(['run', 'lib#build'], a, { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'right' }).code).toBe(0);
    const good = clone(signed);
    expect(runOrch(['run', 'lib#build'], good, { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'right' }).stderr).toContain('cached remote');
    const bad = clone(signed);
    const refused = runOrch(['run', 'lib#build'], bad, { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'wrong' });
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/warning: lib#build: refused the artifact for [0-9a-f]{12}: its signature does not match/);
    expect(ran(bad)).toBe(1);
    // An artifact uploaded without a key is refused by a client that requires signatures.
    const unsignedServer = await startRemoteCache();
    const plain = clone({ url: unsignedServer.url });
    runOrch(['run', 'lib#build'], plain, { ORCH_REMOTE_CACHE_TOKEN: unsignedServer.token });
    const strict = clone({ url: unsignedServer.url, signatureKeyEnv: 'CACHE_KEY' });
    const unsigned = runOrch(['run', 'lib#build'], strict, { ORCH_REMOTE_CACHE_TOKEN: unsignedServer.token, CACHE_KEY: 'k' });
    expect(unsigned.stderr).toContain('it is not signed');
    expect(ran(strict)).toBe(1);
  });

  it('a configured signatureKeyEnv whose variable is unset stops a command that would use the remote cache (exit 2)', async () => {
    const server = await startRemoteCache();
    const dir = clone({ url: server.url, signatureKeyEnv: 'CACHE_KEY' });
    for (const args of [['run', 'build'], ['run', 'build', '--dry-run']]) {
      const run = runOrch(args, dir, { ORCH_REMOTE_CACHE_TOKEN: server.token });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('orch: cache.remote.signatureKeyEnv names CACHE_KEY, which is not set: remote artifacts could be neither signed nor verified');
      expect(run.stderr).toContain('hint: set CACHE_KEY to the signing key shared by every machine that uses the cache, or run with --cache=remote:off');
    }
    expect(ran(dir)).toBe(0);
    expect(runOrch(['run', 'build', '--cache=remote:off'], dir).code).toBe(0);
    expect(JSON.parse(runOrch(['cache', 'stats', '--json'], dir).stdout).remote.reads).toBe('refused');
  });

  it('without a key, remote reads are off (one warning, said in the summary) and writes go; verify: false reads them unverified and says so', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token };
    const writer = clone({ url: server.url });
    const first = runOrch(['run', 'build'], writer, env);
    expect(first.code).toBe(0);
    expect(first.stderr.match(/remote cache reads are off/g)).toHaveLength(1);
    expect(first.stderr).toContain('warning: remote cache reads are off: artifacts cannot be verified without a signing key; set cache.remote.signatureKeyEnv (and that variable) to sign and verify them, or cache.remote.verify: false to trust the server (docs/caching.md)');
    expect(first.stderr).toContain('Remote:  remote cache reads off: artifacts cannot be verified');
    // The server has the artifacts, but a reader that verifies by default does not restore them.
    const reader = clone({ url: server.url });
    expect(JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], reader, env).stdout).tasks.map((t: { cache: string }) => t.cache)).toEqual(['miss', 'miss']);
    expect(runOrch(['run', 'build'], reader, env).code).toBe(0);
    expect(ran(reader)).toBe(2);
    const trusting = clone({ url: server.url, verify: false });
    const unverified = runOrch(['run', 'build'], trusting, env);
    expect(unverified.stderr).toMatch(/✔ app#build \(cached remote, /);
    expect(unverified.stderr).toContain('Remote:  remote cache reads not verified (cache.remote.verify: false): an artifact is restored without a signature check');
    expect(ran(trusting)).toBe(0);
    const stats = runOrch(['cache', 'stats'], trusting, env).stdout;
    expect(stats).toContain('  reads:   not verified (cache.remote.verify: false)');
  });

  it('uploads a run could not make are retried by the next run, which says so', async () => {
    const server = await startRemoteCache();
    const signed = { url: server.url, signatureKeyEnv: 'CACHE_KEY' };
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'k' };
    const dir = clone(signed);
    const refused = runOrch(['run', 'build', '--concurrency', '1'], dir, { ...env, ORCH_REMOTE_CACHE_TOKEN: 'wrong' });
    expect(refused.code).toBe(0);
    expect(refused.stderr).toContain('warning: remote cache: 2 uploads pending');
    expect(JSON.parse(runOrch(['cache', 'stats', '--json'], dir, env).stdout).remote.pendingUploads).toBe(2);
    const next = runOrch(['run', 'build'], dir, env);
    expect(next.stderr).toContain('warning: remote cache: uploading 2 entries an earlier run left pending');
    expect(next.stderr).not.toContain('uploads pending');
    expect(JSON.parse(runOrch(['cache', 'stats', '--json'], dir, env).stdout).remote.pendingUploads).toBe(0);
    const other = clone(signed);
    expect(runOrch(['run', 'build'], other, env).stderr).toContain('Tasks:  2 succeeded (2 cached)');
    expect(ran(other)).toBe(0);
  });

  it('--cache=local:off restores remote hits without keeping them in the local cache (findings R2 #17)', async () => {
    const server = await startRemoteCache();
    const env = { ORCH_REMOTE_CACHE_TOKEN: server.token, CACHE_KEY: 'k' };
    const signed = { url: server.url, signatureKeyEnv: 'CACHE_KEY' };
    expect(runOrch(['run', 'build'], clone(signed), env).code).toBe(0);
    const reader = clone(signed);
    const run = runOrch(['run', 'build', '--cache=local:off,remote:rw'], reader, env);
    expect(run.stderr).toMatch(/✔ app#build \(cached remote, /);
    expect(readFileSync(join(reader, 'p/app/dist/index.js'), 'utf8')).toBe('module.exports = 2;\n//built\n');
    const cacheDir = join(reader, '.orch/cache');
    const entries = existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => /^[0-9a-f]{2}$/.test(name)).flatMap((prefix) => readdirSync(join(cacheDir, prefix))) : [];
    expect(entries).toEqual([]);
  });

  it('a wrong token is a warning, never a failure', async () => {
    const server = await startRemoteCache();
    const run = runOrch(['run', 'build'], clone({ url: server.url }), { ORCH_REMOTE_CACHE_TOKEN: 'nope' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('the remote cache refused the token (401)');
  });

  it('no token at all is a warning that names the variables it is read from (findings R2 #17)', async () => {
    const server = await startRemoteCache();
    const run = runOrch(['run', 'build'], clone({ url: server.url, verify: false }), { ORCH_REMOTE_CACHE_TOKEN: undefined, TURBO_TOKEN: undefined });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/the remote cache answered 40\d: no token was sent, since ORCH_REMOTE_CACHE_TOKEN or TURBO_TOKEN is not set; set it to the cache's token/);
  });
});

describe('remote cache faults never fail a run', () => {
  it('a server that is down: one warning per try, then the circuit opens', async () => {
    const port = await freePort();
    const run = runOrch(['run', 'build', '--concurrency', '1'], clone({ url: `http://127.0.0.1:${port}`, verify: false }));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Tasks:  2 succeeded');
    expect(run.stderr).toMatch(/is unreachable: .*ECONNREFUSED/);
  });

  it('a server that answers 500: warnings, the run succeeds, and after three failures it is not called again', async () => {
    const broken = await startBrokenServer(500);
    const dir = clone({ url: broken.url, verify: false });
    const run = runOrch(['run', 'build', '--concurrency', '1'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('the remote cache answered 500');
    expect(run.stderr).toContain('(remote cache off for the rest of this run)');
    expect(broken.requests()).toBe(3);
  });

  it('a server that never answers: the request times out and the run goes on', async () => {
    const slow = await startBrokenServer(0);
    const run = runOrch(['run', 'lib#build'], clone({ url: slow.url, timeout: '300ms', verify: false }));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no answer within 300 ms');
  });
});
