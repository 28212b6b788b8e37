import { describe, expect, it } from 'vitest';
import type { Project } from '@orch/engine';
import { filterPackages } from '../affected/filterPackages.js';

// The workspace of Turborepo's own resolver tests (crates/turborepo-lib/src/run/scope/filter.rs):
// project-0 -> project-1, project-5; project-1 -> project-2, project-4; project-3 and project-6 alone.
const FOLDERS: Record<string, string> = {
  'project-0': 'packages/project-0',
  'project-1': 'packages/project-1',
  'project-2': 'project-2',
  'project-3': 'project-3',
  'project-4': 'project-4',
  'project-5': 'project-5',
  'project-6': 'project-5/packages/project-6',
};
const DEPENDENCIES: Record<string, string[]> = { 'project-0': ['project-1', 'project-5'], 'project-1': ['project-2', 'project-4'] };
const projects = new Map<string, Project>(Object.entries(FOLDERS).map(([name, root]) => [name, { name, root, packageJson: `/r/${root}/package.json`, scripts: {}, dependencies: DEPENDENCIES[name] ?? [], tags: [] }]));

const select = async (filters: string[], changed: string[] = [], cwd = '.') =>
  [...(await filterPackages(filters, { registry: { projects }, cwd, changedSince: async () => new Set(changed) }))].sort();

describe("filterPackages resolves filters as Turborepo's resolver does", () => {
  it.each([
    [['project-1^...'], ['project-2', 'project-4']],
    [['project-1...'], ['project-1', 'project-2', 'project-4']],
    // A dependent's dependencies come back in, the package itself among them.
    [['...^project-1...'], ['project-0', 'project-1', 'project-2', 'project-4', 'project-5']],
    [['...project-2'], ['project-0', 'project-1', 'project-2']],
    [['...^project-2'], ['project-0', 'project-1']],
    [['...^project-2', 'project-1^...'], ['project-0', 'project-1', 'project-2', 'project-4']],
    [['project-2'], ['project-2']],
    [['./packages/*'], ['project-0', 'project-1']],
    [['./project-5/**'], ['project-5', 'project-6']],
    [['./project-5'], ['project-5']],
    [['!project-1'], ['project-0', 'project-2', 'project-3', 'project-4', 'project-5', 'project-6']],
    [['./packages/*', '!*-1'], ['project-0']],
    [['!*-1', './packages/*'], ['project-0']],
  ])('%j', async (filters, expected) => {
    expect(await select(filters)).toEqual(expected);
  });

  it('reads folders from where orch runs', async () => {
    expect(await select(['./*'], [], 'packages')).toEqual(['project-0', 'project-1']);
    expect(await select(['../project-2'], [], 'packages')).toEqual(['project-2']);
    await expect(select(['../..'], [], 'packages')).rejects.toMatchObject({ code: 'usage', message: "--filter '../..': '..' is outside the workspace" });
  });

  it('by change: the changed packages, with dependents, or the named ones changed through their dependencies', async () => {
    expect(await select(['[main]'], ['project-2'])).toEqual(['project-2']);
    expect(await select(['...[main]'], ['project-2'])).toEqual(['project-0', 'project-1', 'project-2']);
    expect(await select(['project-0...[main]'], ['project-2'])).toEqual(['project-0']);
    expect(await select(['project-3...[main]'], ['project-2'])).toEqual([]);
    expect(await select(['{packages/*}[main]'], ['project-1', 'project-2'])).toEqual(['project-1']);
    // Nothing changed: nothing selected, and no error.
    expect(await select(['[main]'])).toEqual([]);
  });

  it('a name or folder that matches nothing is an error with the closest names', async () => {
    await expect(select(['projet-1...'])).rejects.toMatchObject({ code: 'usage', message: "--filter 'projet-1...': no package is named 'projet-1'", hint: "did you mean 'project-1', 'project-0' or 'project-2'?" });
    await expect(select(['!nothing'])).rejects.toMatchObject({ message: "--filter '!nothing': no package is named 'nothing'" });
    await expect(select(['./apps/*'])).rejects.toMatchObject({ message: "--filter './apps/*': no package is in 'apps/*'" });
  });

  it('finds the one scoped package by its bare name, and no guess among several', async () => {
    const scoped = new Map<string, Project>(['@a/web', '@b/web', '@a/ui'].map((name, i) => [name, { name, root: `p${i}`, packageJson: '', scripts: {}, dependencies: [], tags: [] }]));
    const run = (filter: string) => filterPackages([filter], { registry: { projects: scoped }, cwd: '.', changedSince: async () => new Set() });
    expect([...(await run('ui'))]).toEqual(['@a/ui']);
    await expect(run('web')).rejects.toMatchObject({ message: "--filter 'web': no package is named 'web'" });
  });

  it("'*' is every package, scoped ones too, and '!*' none; '*' reaches across the scope's '/' (Turborepo's SimpleGlob)", async () => {
    const mixed = new Map<string, Project>(['@acme/lib', '@acme/web-ui', 'web', 'docs-ui'].map((name, i) => [name, { name, root: `p${i}`, packageJson: '', scripts: {}, dependencies: [], tags: [] }]));
    const run = async (filters: string[]) => [...(await filterPackages(filters, { registry: { projects: mixed }, cwd: '.', changedSince: async () => new Set() }))].sort();
    expect(await run(['*'])).toEqual(['@acme/lib', '@acme/web-ui', 'docs-ui', 'web']);
    expect(await run(['!*'])).toEqual([]);
    expect(await run(['@acme/*'])).toEqual(['@acme/lib', '@acme/web-ui']);
    expect(await run(['*-ui'])).toEqual(['@acme/web-ui', 'docs-ui']);
    expect(await run(['*', '!@acme/*'])).toEqual(['docs-ui', 'web']);
    // Only '*' is special: a '.' or '?' in a name is that character.
    await expect(run(['we?'])).rejects.toMatchObject({ message: "--filter 'we?': no package is named 'we?'" });
  });
});
