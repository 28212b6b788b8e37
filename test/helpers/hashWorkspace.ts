import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempRepo } from './tempRepo.js';
import { runOrch } from './runOrch.js';

// A workspace to check that the task hash and `orch affected` agree (issue 11): each test makes
// one kind of change in a real git repository and checks both sides: `orch affected --list`
// (and why), and whether `orch run` runs the task again (counted in runs.log, which every build
// appends to) or `orch explain` names the change.

export const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
export const commit = (dir: string, message: string) => {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
};

/**
 * Appends the package name to runs.log; checks that each folder in package.json#needsBuilt has
 * dist/out.txt (so a build started before its dependency fails); waits #buildMs; writes dist/out.txt: its name and the files package.json#reads names.
 */
export const BUILD = `const fs = require('fs'), path = require('path');
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
fs.appendFileSync(path.join(__dirname, 'runs.log'), pkg.name + '\\n');
for (const dep of pkg.needsBuilt || []) if (!fs.existsSync(path.join(dep, 'dist/out.txt'))) { console.error(pkg.name + ': ' + dep + ' is not built'); process.exit(1); }
const read = (pkg.reads || []).map((file) => fs.readFileSync(file, 'utf8')).join('');
setTimeout(() => { fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/out.txt', pkg.name + read); }, pkg.buildMs || 0);
`;

export const manifest = (name: string, extra: object = {}) => JSON.stringify({ name, version: '1.0.0', scripts: { build: 'node ../../build.cjs', test: 'node -e 0' }, ...extra }, null, 2);

/** A workspace (p/*) committed on `main`, continued on `feature`, as `orch affected` compares them. */
export function workspace(files: Record<string, string>, config: object = {}): string {
  const dir = tempRepo({
    '.gitignore': '.orch/\nruns.log\ndist/\nnode_modules/\ngen/\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }, null, 2),
    'build.cjs': BUILD,
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } }, ...config }),
    ...files,
  });
  git(dir, 'checkout', '-qb', 'main');
  commit(dir, 'init');
  git(dir, 'checkout', '-qb', 'feature');
  return dir;
}

/** The packages whose build ran since the last call, sorted. */
export const ran = (dir: string): string[] => {
  const log = join(dir, 'runs.log');
  const names = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).sort() : [];
  rmSync(log, { force: true });
  return names;
};
export const run = (dir: string, ...args: string[]) => {
  const result = runOrch(['run', ...args], dir);
  if (result.code !== 0) throw new Error(`orch run ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result;
};
export const affected = (dir: string, ...args: string[]): Record<string, string[]> => {
  const result = runOrch(['affected', '--list', '--json', ...args], dir);
  if (result.code !== 0) throw new Error(`orch affected failed (${result.code}): ${result.stderr}`);
  return Object.fromEntries((JSON.parse(result.stdout) as { projects: { name: string; reasons: string[] }[] }).projects.map((p) => [p.name, p.reasons]));
};
export interface Explained {
  changes: string[];
  cache: string;
  ignoredByGit: string[];
  linkedFrom: Record<string, string>;
  linksOutside: Record<string, string>;
  inputs: { files: Record<string, string>; definition: Record<string, string>; config: Record<string, string> };
}
export const explain = (dir: string, id: string): Explained =>
  JSON.parse(runOrch(['explain', id, '--json'], dir).stdout)[0];

