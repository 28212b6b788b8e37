import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { manifestPaths } from '../workspace/manifestPaths.js';

const found = async (root: string, globs: string[]) => (await manifestPaths(root, globs)).map((file) => file.slice(root.length + 1));

describe('manifestPaths (issue 13: package folders walked without the glob library)', () => {
  const tree = () => {
    const root = tempRepo({
      'package.json': '{}',
      'packages/a/package.json': '{}',
      'packages/b/package.json': '{}',
      'packages/private/package.json': '{}',
      'packages/.hidden/package.json': '{}',
      'packages/no-manifest/src/x.js': '',
      'packages/node_modules/dep/package.json': '{}',
      'packages/file-not-folder': '',
      'apps/web/package.json': '{}',
      'apps/web/node_modules/dep/package.json': '{}',
      'tools/cli/package.json': '{}',
      'nested/x/packages/y/package.json': '{}',
      'elsewhere/linked/package.json': '{}',
    });
    symlinkSync(join(root, 'elsewhere', 'linked'), join(root, 'packages', 'linked'));
    return root;
  };

  it('walks the usual globs as the glob library matches them: no dot folders, no node_modules, no symbolic links, exclusions', async () => {
    const root = tree();
    const expected = ['apps/web/package.json', 'nested/x/packages/y/package.json', 'package.json', 'packages/a/package.json', 'packages/b/package.json', 'tools/cli/package.json'];
    const simple = ['packages/*', '!packages/private', 'apps/*/', 'tools/cli', 'nested/*/packages/*', '.'];
    expect(await found(root, simple)).toEqual(expected);
    // The same with a brace the walk leaves to the library: both read the folders alike.
    expect(await found(root, simple.map((glob) => (glob === 'tools/cli' ? 'tools/{cli,none}' : glob)))).toEqual(expected);
  });

  it('sees a package added or removed since the last walk (nothing is remembered between calls)', async () => {
    const root = tempRepo({ 'packages/a/package.json': '{}' });
    expect(await found(root, ['packages/*'])).toEqual(['packages/a/package.json']);
    const { writeFileSync, mkdirSync, rmSync } = await import('node:fs');
    mkdirSync(join(root, 'packages', 'b'));
    writeFileSync(join(root, 'packages', 'b', 'package.json'), '{}');
    rmSync(join(root, 'packages', 'a', 'package.json'));
    expect(await found(root, ['packages/*'])).toEqual(['packages/b/package.json']);
  });
});
