import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';

// Findings R2 #12: a dependency whose package.json does not parse was "an error that does not
// touch" its dependents, which then ran without it and were cached with its stale output.

function workspace(): string {
  return commitAll(
    tempRepo({
      '.gitignore': '.orch\ndist\n',
      'package.json': JSON.stringify({ name: 'root', private: true }),
      'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
      'packages/lib/package.json': JSON.stringify({ name: 'lib', version: '1.0.0', scripts: { build: 'mkdir -p dist && echo lib > dist/out.txt' } }),
      'packages/app/package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { lib: 'workspace:*' }, scripts: { build: 'mkdir -p dist && cat ../lib/dist/out.txt > dist/out.txt' } }),
      'packages/other/package.json': JSON.stringify({ name: 'other', version: '1.0.0', scripts: { build: 'echo built-other' } }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }),
    }),
  );
}

describe("a dependency's package.json that cannot be read", () => {
  it("refuses its dependents' run (exit 2) with the JSON error; packages that do not depend on it still run", () => {
    const dir = workspace();
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    writeFileSync(join(dir, 'packages/lib/package.json'), '{ "name": "lib", "scripts": { "build": "echo hi", } ');
    writeFileSync(join(dir, 'packages/app/dist/out.txt'), 'before\n');
    const run = runOrch(['run', 'app#build'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("packages/app/package.json:1:49: error: dependencies names 'lib', whose package.json cannot be read (packages/lib/package.json:1:51: not valid JSON: property name expected) [workspace/unreadable-dependency]");
    // The broken file is the refusal's own reason, not "an error in what this command does not use".
    expect(run.stderr).not.toContain('does not use');
    expect(readFileSync(join(dir, 'packages/app/dist/out.txt'), 'utf8')).toBe('before\n');
    expect(runOrch(['run', 'other#build'], dir).code).toBe(0);
    expect(runOrch(['validate'], dir).code).toBe(2);
  });

  it('orch run lib#build points at its package.json, never at another package', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'packages/lib/package.json'), '{ "name": "lib", "scripts": { "build": "echo hi", } ');
    const run = runOrch(['run', 'lib#build'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("hint: the package 'lib' is not read: packages/lib/package.json:1:51: not valid JSON: property name expected");
    expect(run.stderr).not.toContain('did you mean');
  });

  it('a package.json that is a list is a located error, not a package that vanishes silently', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'packages/other/package.json'), '[]\n');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('packages/other/package.json:1:1: error: a package.json must be a JSON object; found a list, so this folder is no package [workspace/invalid-package-json]');
  });

  it("a dependency whose unreadable package.json says no name: its dependents' run is refused, naming that file", () => {
    const dir = workspace();
    writeFileSync(join(dir, 'packages/lib/package.json'), '[]\n');
    const run = runOrch(['run', 'app#build'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("dependencies names 'lib' (workspace:*), but no workspace package is named 'lib'; a package.json orch cannot read may be it (packages/lib/package.json:1:1)");
    expect(runOrch(['run', 'other#build'], dir).code).toBe(0);
  });

  // Found by a fresh tester (session 26): with a version range (npm's workspaces) and no name left
  // in the file, the dependency looked like one from the registry, and its dependent ran without it.
  it("a package.json broken since an earlier run is known by the name it had: its dependents' run is refused", () => {
    const dir = workspace();
    const app = JSON.parse(readFileSync(join(dir, 'packages/app/package.json'), 'utf8'));
    writeFileSync(join(dir, 'packages/app/package.json'), JSON.stringify({ ...app, dependencies: { lib: '1.0.0' } }));
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    for (const broken of ['[]', 'null', '"x"', '{ "name": 5, "version": "1.0.0" }']) {
      writeFileSync(join(dir, 'packages/lib/package.json'), `${broken}\n`);
      const run = runOrch(['run', 'app#build'], dir);
      expect(run.code, broken).toBe(2);
      expect(run.stderr, broken).toContain("dependencies names 'lib', whose package.json cannot be read (packages/lib/package.json:1:");
      expect(runOrch(['run', 'other#build'], dir).code, broken).toBe(0);
      // Asked for by name, it names its own problem, not another package (found by a second tester).
      const own = runOrch(['run', 'lib#build'], dir);
      expect(own.code, broken).toBe(2);
      expect(own.stderr, broken).toContain("hint: the package 'lib' is not read: packages/lib/package.json:");
      expect(own.stderr, broken).not.toContain('did you mean');
    }
  });

  it("a package.json that lost its \"name\" refuses the packages that still depend on that name, until it has it again or they no longer do", () => {
    const dir = workspace();
    const app = JSON.parse(readFileSync(join(dir, 'packages/app/package.json'), 'utf8'));
    writeFileSync(join(dir, 'packages/app/package.json'), JSON.stringify({ ...app, dependencies: { lib: '1.0.0' } }));
    expect(runOrch(['run', 'build'], dir).code).toBe(0);
    const lib = JSON.parse(readFileSync(join(dir, 'packages/lib/package.json'), 'utf8'));
    writeFileSync(join(dir, 'packages/lib/package.json'), JSON.stringify({ ...lib, name: undefined }));
    for (let round = 0; round < 2; round++) {
      const run = runOrch(['run', 'app#build'], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("dependencies names 'lib', whose package.json cannot be read (packages/lib/package.json:1:1: this package.json was named 'lib' and has no \"name\" now");
    }
    expect(runOrch(['run', 'other#build'], dir).code).toBe(0);
    // No longer depended on: the name is forgotten, and the folder is a package of its own.
    writeFileSync(join(dir, 'packages/app/package.json'), JSON.stringify({ ...app, dependencies: {} }));
    expect(runOrch(['run', 'app#build'], dir).code).toBe(0);
    writeFileSync(join(dir, 'packages/app/package.json'), JSON.stringify({ ...app, dependencies: { lib: '1.0.0' } }));
    expect(runOrch(['validate'], dir).stderr).not.toContain('workspace/lost-name');
  });

  it('a "name" that is not a string is a located error, not a package named after its folder', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'packages/other/package.json'), '{\n  "name": 5\n}\n');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`packages/other/package.json:2:3: error: a package's "name" must be a non-empty string; found 5, so this folder is no package [workspace/invalid-package-json]`);
  });

  it('a package.json with a byte-order mark is read, as npm and pnpm read it', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'packages/other/package.json'), `\uFEFF${JSON.stringify({ name: 'other', scripts: { build: 'echo bom-read > bom.txt' } })}`);
    const run = runOrch(['run', 'other#build'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir, 'packages/other/bom.txt'))).toBe(true);
    expect(runOrch(['validate'], dir).stderr).not.toContain('packages/other/package.json');
  });
});

describe('a package folder that is a symbolic link', () => {
  it('is not read as a package, and a warning at the glob says so and what to do', () => {
    const dir = workspace();
    writeTree(dir, { 'vendor/linked/package.json': JSON.stringify({ name: 'linked', scripts: { build: 'echo linked' } }) });
    symlinkSync('../vendor/linked', join(dir, 'packages/linked'));
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain('pnpm-workspace.yaml:2:5: warning: packages/linked is a symbolic link (to ../vendor/linked), so it is not read as a workspace package');
    expect(runOrch(['list'], dir).stdout).not.toContain('linked#build');
  });
});
