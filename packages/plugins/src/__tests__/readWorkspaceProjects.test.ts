import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { readWorkspaceProjects } from '../workspace/readWorkspaceProjects.js';

const manifest = (name: string, extra: object = {}) => JSON.stringify({ name, ...extra });

describe('readWorkspaceProjects', () => {
  it('reads pnpm-workspace.yaml globs with exclusions, and internal dependencies of every kind', async () => {
    const dir = tempRepo({
      'pnpm-workspace.yaml': "packages:\n  - 'packages/*'\n  - 'apps/**'\n  - '!packages/private'\n",
      'packages/lib/package.json': manifest('lib', { scripts: { build: 'tsc' } }),
      'packages/ui/package.json': manifest('ui', { dependencies: { lib: 'workspace:*', react: '^18' }, peerDependencies: { lib: '*' } }),
      'packages/private/package.json': manifest('private'),
      'apps/web/package.json': manifest('web', { devDependencies: { ui: 'workspace:^' }, orch: { tags: ['app', 'frontend'] } }),
      'apps/web/node_modules/dep/package.json': manifest('dep'),
    });
    const { projects, diagnostics } = await readWorkspaceProjects(dir);
    expect(diagnostics).toEqual([]);
    expect(projects.map((p) => [p.name, p.root, p.dependencies, p.tags])).toEqual([
      ['web', 'apps/web', ['ui'], ['app', 'frontend']],
      ['lib', 'packages/lib', [], []],
      ['ui', 'packages/ui', ['lib'], []],
    ]);
    expect(projects[1]!.scripts).toEqual({ build: 'tsc' });
  });

  it('reads package.json workspaces (array and object forms)', async () => {
    for (const workspaces of [['pkgs/*'], { packages: ['pkgs/*'] }]) {
      const dir = tempRepo({ 'package.json': JSON.stringify({ name: 'root', workspaces }), 'pkgs/a/package.json': manifest('a') });
      expect((await readWorkspaceProjects(dir)).projects.map((p) => p.name)).toEqual(['a']);
    }
  });

  it('treats a repository without workspaces as one package', async () => {
    const dir = tempRepo({ 'package.json': manifest('solo', { scripts: { test: 'vitest' } }) });
    expect((await readWorkspaceProjects(dir)).projects).toMatchObject([{ name: 'solo', root: '.', scripts: { test: 'vitest' } }]);
  });

  it('reports a package.json that is not JSON, with its position, and keeps the others', async () => {
    const dir = tempRepo({ 'pnpm-workspace.yaml': 'packages: [p/*]\n', 'p/good/package.json': manifest('good'), 'p/bad/package.json': '{\n  "name": "bad",\n  "scripts": {,}\n}\n' });
    const { projects, diagnostics } = await readWorkspaceProjects(dir);
    expect(projects.map((p) => p.name)).toEqual(['good']);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'workspace/invalid-package-json', location: { line: 3 } });
  });

  it('warns about a declared workspace package that does not exist (deleted or renamed), at its line, and records it', async () => {
    const dir = tempRepo({
      'pnpm-workspace.yaml': 'packages: [p/*]\n',
      'p/web/package.json': JSON.stringify({ name: 'web', dependencies: { 'ui-kit': 'workspace:*', react: '^18', local: 'link:../gone', tarball: 'file:../vendor/x.tgz' } }, null, 2),
      'p/ui/package.json': manifest('ui-kits'),
    });
    const { projects, diagnostics } = await readWorkspaceProjects(dir);
    expect(projects.find((p) => p.name === 'web')).toMatchObject({ dependencies: [], missingDependencies: ['local', 'ui-kit'] });
    expect(projects.find((p) => p.name === 'ui-kits')!.missingDependencies).toBeUndefined();
    expect(diagnostics.map((d) => [d.severity, d.code, d.location?.line, d.location?.column, d.message])).toEqual([
      ['warning', 'workspace/missing-dependency', 4, 5, "dependencies names 'ui-kit' (workspace:*), but no workspace package is named 'ui-kit'"],
      ['warning', 'workspace/missing-dependency', 6, 5, "dependencies names 'local' (link:../gone), but no workspace package is named 'local'"],
    ]);
    expect(diagnostics[0]!.hint).toBe("did you mean 'ui-kits'? was it deleted or renamed? restore it, or remove 'ui-kit' from p/web/package.json and run your package manager's install");
  });
});
