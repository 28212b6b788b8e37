import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];
afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Files by relative path; a Buffer is written as bytes. */
export type FileTree = Record<string, string | Buffer>;

/**
 * A real git repository in a temp folder with these files, removed after the test. Every test
 * gets its own, so none reaches outside it (config search stops at its `.git`).
 */
export function tempRepo(files: FileTree = {}, options: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'orch-test-'));
  created.push(dir);
  writeTree(dir, files);
  if (options.git !== false) execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

/** Commits everything in a test repository, so git's index holds it (clean files). */
export function commitAll(dir: string): string {
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init'], { cwd: dir });
  return dir;
}

export function writeTree(dir: string, files: FileTree): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/**
 * A copy of `examples/monorepo` with its gate plugin package installed the way a user has it
 * (`node_modules/orch-gate-bundle-size`, here a link to `examples/gate-plugin`).
 */
export function exampleRepo(): string {
  const dir = fixtureRepo('../../examples/monorepo');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../../examples/gate-plugin', import.meta.url)), join(dir, 'node_modules', 'orch-gate-bundle-size'), 'dir');
  return dir;
}

/** Left out of fixture copies: what a local run of orch or a build leaves behind. */
const GENERATED = /(^|[\\/])(node_modules|dist|\.orch)$/;

/** A copy of a fixture folder under `test/fixtures/` in a fresh temp repository. */
export function fixtureRepo(name: string): string {
  const dir = tempRepo();
  cpSync(new URL(`../fixtures/${name}`, import.meta.url), dir, { recursive: true, filter: (source) => !GENERATED.test(source) });
  return dir;
}
