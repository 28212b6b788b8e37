import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, tempRepo, writeTree, type FileTree } from '../helpers/tempRepo.js';

// Issue 15, part 1: orch installed the way a user installs it. The published package is packed
// (scripts/pack.mjs, from the built packages: run `npm run setup` first), and the tarball is
// installed with npm, with its dependencies from the npm registry, into fresh repositories laid
// out as npm, pnpm and yarn-classic workspaces; the installed `orch` then sets the repository up
// and runs there. One install per layout, sharing one npm cache.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_TIMEOUT = 180_000;

let scratch: string;
let tarball: string;
let npmCache: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'orch-pack-'));
  // Shared between runs: npm's cache is content-addressed and safe to share, and a warm one
  // makes each install a few seconds.
  npmCache = join(tmpdir(), 'orch-test-npm-cache');
  tarball = execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), '--out', scratch], { encoding: 'utf8' }).trim();
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Two packages, `lib` built into dist/ and `app` depending on it, in the layout given by `root`. */
function workspace(root: FileTree, dependency: string): string {
  const build = (name: string) => `require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/${name}.js', 'built ${name}\\n'); console.log('built ${name}');\n`;
  return tempRepo({
    ...root,
    'packages/lib/package.json': JSON.stringify({ name: 'lib', version: '1.0.0', scripts: { build: 'node build.js', test: 'node -e "console.log(1)"' } }),
    'packages/lib/build.js': build('lib'),
    'packages/lib/src/index.js': 'export const lib = 1;\n',
    'packages/app/package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { lib: dependency }, scripts: { build: 'node build.js' } }),
    'packages/app/build.js': build('app'),
    '.gitignore': 'node_modules/\n',
  });
}

/** `npm i -D <tarball>`, failing with what npm said (the registry is needed for the dependencies). */
function npmInstall(dir: string): void {
  const npm = spawnSync('npm', ['install', '--save-dev', tarball, '--cache', npmCache, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT - 30_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (npm.status !== 0) throw new Error(`npm install of the packed @orch/cli failed (exit ${npm.status ?? npm.signal}); it fetches the package's dependencies from the npm registry, so this machine needs to reach it:\n${npm.stderr}${npm.stdout}`);
}

/** The installed binary, as `npx orch` runs it. */
function orch(dir: string, args: string[]) {
  const run = spawnSync(join(dir, 'node_modules', '.bin', 'orch'), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** init, run build (then again from the cache), and affected after a change to `lib`. */
function initRunAffected(dir: string, detected: string): void {
  const init = orch(dir, ['init']);
  expect(init.code, init.stderr).toBe(0);
  expect(init.stdout).toContain(detected);
  expect(init.stdout).toContain('wrote orchestrator.config.ts: targets build (2 packages), test (1 package)');
  expect(init.stdout).toContain('next: orch run build');
  expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.orch/\n');

  const build = orch(dir, ['run', 'build']);
  expect(build.code, build.stderr).toBe(0);
  expect(readFileSync(join(dir, 'packages/app/dist/app.js'), 'utf8')).toBe('built app\n');
  // `dependsOn: ['^build']` from init: lib is built before app.
  expect(build.stdout.indexOf('lib#build: built lib')).toBeLessThan(build.stdout.indexOf('app#build: built app'));
  const again = orch(dir, ['run', 'build']);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('cached');

  commitAll(dir);
  writeTree(dir, { 'packages/lib/src/index.js': 'export const lib = 2;\n' });
  const affected = orch(dir, ['affected', '--base', 'HEAD', '--list', '--json']);
  expect(affected.code, affected.stderr).toBe(0);
  expect(affected.stdout).toContain('"lib"');
  expect(affected.stdout).toContain('"app"');
}

describe('the packed @orch/cli installed with npm', () => {
  it(
    'in an npm workspace: init, run, affected; the package ships its docs, types and a working API',
    () => {
      const dir = workspace({ 'package.json': JSON.stringify({ name: 'repo', private: true, workspaces: ['packages/*'] }) }, '*');
      npmInstall(dir);
      const installed = join(dir, 'node_modules', '@orch', 'cli');
      expect(orch(dir, ['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'packages', 'engine', 'package.json'), 'utf8')).version);
      // What the README and init's config point to is in the package.
      for (const doc of ['README.md', 'docs/configuration.md', 'docs/environment-variables.md']) expect(existsSync(join(installed, doc)), doc).toBe(true);
      initRunAffected(dir, 'found workspace from package.json workspaces, 2 packages; package manager npm (package-lock.json)');

      // The config may import orch's API at run time, and its types reject a wrong value.
      writeFileSync(join(dir, 'orchestrator.config.ts'), "import { defineConfig } from '@orch/cli';\n\nexport default defineConfig({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } });\n");
      expect(orch(dir, ['validate']).code).toBe(0);
      writeFileSync(join(dir, 'typo.ts'), "import { defineConfig } from '@orch/cli';\n\nexport default defineConfig({ targets: { build: { outputs: 'dist/**' } } });\n");
      // skipLibCheck false, as a strict project has it: the shipped declarations are checked too,
      // in a repository with no @types/node, so every library they import is installed with them (findings 15 #9).
      expect(existsSync(join(dir, 'node_modules', '@types', 'node'))).toBe(false);
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'orchestrator.config.ts', 'typo.ts'], { cwd: dir, encoding: 'utf8' });
      expect(tsc.stdout).toContain("typo.ts(3,51): error TS2322: Type 'string' is not assignable to type 'string[]'");
      expect(tsc.stdout).not.toContain('orchestrator.config.ts');
      expect(tsc.stdout.trim().split('\n')).toHaveLength(1);
    },
    INSTALL_TIMEOUT,
  );

  it(
    'in a pnpm workspace (pnpm-workspace.yaml, workspace: dependencies)',
    () => {
      const dir = workspace(
        {
          'package.json': JSON.stringify({ name: 'repo', private: true, packageManager: 'pnpm@10.34.9' }),
          'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
        },
        'workspace:*',
      );
      npmInstall(dir);
      initRunAffected(dir, 'found workspace from pnpm-workspace.yaml, 2 packages; package manager pnpm (packageManager: pnpm@10.34.9)');
      const again = orch(dir, ['init']);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('orchestrator.config.ts already exists; nothing written');
    },
    INSTALL_TIMEOUT,
  );

  it(
    'in a yarn-classic workspace (workspaces.packages, yarn.lock)',
    () => {
      const dir = workspace(
        {
          'package.json': JSON.stringify({ name: 'repo', private: true, workspaces: { packages: ['packages/*'] } }),
          'yarn.lock': '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n',
        },
        '*',
      );
      npmInstall(dir);
      // npm wrote its own lockfile beside yarn's: yarn.lock is checked first, as Turborepo does.
      initRunAffected(dir, 'found workspace from package.json workspaces, 2 packages; package manager yarn (yarn.lock)');
    },
    INSTALL_TIMEOUT,
  );
});
