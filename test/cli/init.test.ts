import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';

// Issue 15, part 6: `orch init` sets up the repository it is run in, as `turbo` / `nx init` do:
// the package manager and workspace detected, targets from the scripts the packages have,
// `.orch/` ignored, an existing config never replaced silently, and `orch run build` next.

const pkg = (name: string, scripts: Record<string, string>, dependencies: Record<string, string> = {}) => JSON.stringify({ name, version: '1.0.0', scripts, dependencies });

/** A pnpm workspace: a Next.js app depending on a library. */
function pnpmWorkspace(): string {
  return tempRepo({
    'package.json': JSON.stringify({ name: 'repo', private: true, packageManager: 'pnpm@10.34.9' }),
    'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n  - "packages/*"\n',
    'apps/web/package.json': pkg('web', { build: 'next build', dev: 'next dev', lint: 'next lint' }, { next: '15.0.0', ui: 'workspace:*' }),
    'packages/ui/package.json': pkg('ui', { build: 'tsc', test: 'vitest run', 'check-types': 'tsc --noEmit', release: 'npm publish' }),
  });
}

describe('orch init', () => {
  it('detects a pnpm workspace and writes targets from its scripts, with outputs by framework', () => {
    const dir = pnpmWorkspace();
    const init = runOrch(['init'], dir);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(
      [
        'found workspace from pnpm-workspace.yaml, 2 packages; package manager pnpm (packageManager: pnpm@10.34.9)',
        'wrote orchestrator.config.ts: targets build (2 packages), test (1 package), check-types (1 package), lint (1 package), dev (1 package)',
        'created .gitignore with node_modules/ and .orch/ (.orch/: sessions, logs and the local cache)',
        'next: orch run build   (orch installed as a dev dependency: pnpm exec orch run build)',
        '',
      ].join('\n'),
    );
    const config = readFileSync(join(dir, 'orchestrator.config.ts'), 'utf8');
    expect(config).toContain("    build: { dependsOn: ['^build'], outputs: ['.next/**', '!.next/cache/**', 'dist/**'] },\n");
    expect(config).toContain("    test: { dependsOn: ['build'] },\n");
    expect(config).toContain("    'check-types': { dependsOn: ['^build'] },\n");
    // A dev server never ends: persistent (docs/watch.md), as create-turbo's `dev`.
    expect(config).toContain('    dev: { persistent: true, cache: false },\n');
    // A script with no known meaning runs with the defaults: not written.
    expect(config).not.toContain('release');
    // A workspace with scripts gets no example command.
    expect(existsSync(join(dir, '.claude'))).toBe(false);
    // A .gitignore it creates ignores node_modules too.
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.orch/\n');

    // What it wrote is a config orch reads without a problem, and `^build` orders the build.
    expect(runOrch(['validate'], dir).code).toBe(0);
    const plan = runOrch(['run', 'build', '--dry-run'], dir);
    expect(plan.stdout).toMatch(/1\. ui#build[\s\S]*2\. web#build/);
  });

  it.each([
    ['yarn.lock', 'yarn.lock', 'yarn (yarn.lock)', 'yarn orch run build'],
    ['package-lock.json', 'package-lock.json', 'npm (package-lock.json)', 'npx orch run build'],
    ['bun.lock', 'bun.lock', 'bun (bun.lock)', 'bunx orch run build'],
    ['no lockfile', undefined, 'npm (no packageManager field or lockfile: npm assumed)', 'npx orch run build'],
  ])('with %s, says the package manager and how to run orch with it', (_case, lockfile, said, next) => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'repo', private: true, workspaces: ['packages/*'] }),
      'packages/a/package.json': pkg('a', { build: 'echo a' }),
      ...(lockfile ? { [lockfile]: '' } : {}),
    });
    const init = runOrch(['init'], dir);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`found workspace from package.json workspaces, 1 package; package manager ${said}\n`);
    expect(init.stdout).toContain(`(orch installed as a dev dependency: ${next})`);
  });

  it('in a single package, says so without a package count', () => {
    const dir = tempRepo({ 'package.json': pkg('solo', { build: 'echo built', start: 'node server.js' }) });
    const init = runOrch(['init'], dir);
    expect(init.stdout).toContain('found a single package (no workspaces); package manager npm');
    expect(init.stdout).not.toContain('1 package;');
    expect(readFileSync(join(dir, 'orchestrator.config.ts'), 'utf8')).toContain('    start: { persistent: true, cache: false },\n');
  });

  it('adds .orch/ to an existing .gitignore once, and leaves one that ignores it already alone', () => {
    const dir = tempRepo({ 'package.json': pkg('solo', { build: 'echo built' }), '.gitignore': 'node_modules\ndist' });
    expect(runOrch(['init'], dir).stdout).toContain('added .orch/ to .gitignore');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\ndist\n.orch/\n');
    const again = runOrch(['init', '--force'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('.gitignore');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\ndist\n.orch/\n');

    const other = tempRepo({ 'package.json': pkg('solo', { build: 'echo built' }), '.gitignore': '/.orch\n' });
    runOrch(['init'], other);
    expect(readFileSync(join(other, '.gitignore'), 'utf8')).toBe('/.orch\n');
  });

  it('run from a package folder, writes at the workspace root', () => {
    const dir = pnpmWorkspace();
    const init = runOrch(['init'], join(dir, 'apps', 'web'));
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('wrote ../../orchestrator.config.ts: targets build (2 packages)');
    expect(existsSync(join(dir, 'orchestrator.config.ts'))).toBe(true);
    expect(existsSync(join(dir, 'apps', 'web', 'orchestrator.config.ts'))).toBe(false);
  });

  it.each([
    ['orchestrator.config.json', { 'orchestrator.config.json': '{}\n' }],
    ['package.json', { 'package.json': JSON.stringify({ name: 'solo', scripts: { build: 'echo b' }, orch: { stateDir: '.state' } }) }],
  ])('refuses to replace a config in %s, even with --force, and says how', (file, files) => {
    const dir = tempRepo(files);
    const before = readFileSync(join(dir, file), 'utf8');
    for (const args of [['init'], ['init', '--force']]) {
      const init = runOrch(args, dir);
      expect(init.code).toBe(2);
      expect(init.stderr).toBe(`orch: ${file} already exists; nothing written\n  hint: edit it, or remove it and run \`orch init\` again (--force replaces only orchestrator.config.ts)\n`);
    }
    expect(readFileSync(join(dir, file), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'orchestrator.config.ts'))).toBe(false);
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
  });

  it('with a config of its own already, refuses without --force and says how', () => {
    const dir = pnpmWorkspace();
    writeTree(dir, { 'orchestrator.config.ts': 'export default { stateDir: ".mine" };\n' });
    const init = runOrch(['init'], dir);
    expect(init.code).toBe(2);
    expect(init.stderr).toBe('orch: orchestrator.config.ts already exists; nothing written\n  hint: edit it, or run `orch init --force` to replace it\n');
  });
});
