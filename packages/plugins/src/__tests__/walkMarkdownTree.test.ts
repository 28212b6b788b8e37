import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { walkMarkdownTree } from '../markdown/walkMarkdownTree.js';

describe('walkMarkdownTree', () => {
  it('finds commands at any depth, skipping partials, READMEs, hidden and non-markdown files', async () => {
    const dir = tempRepo({
      'cmds/architect.md': '',
      'cmds/README.md': '',
      'cmds/milestone/plan.md': '',
      'cmds/milestone/_shared/state.md': '',
      'cmds/milestone/quickstart/frontend.md': '',
      'cmds/git/workflows/feature.md': '',
      'cmds/git/notes.txt': '',
      'cmds/_draft.md': '',
      'cmds/.hidden/x.md': '',
    });
    const { files, diagnostics } = await walkMarkdownTree(join(dir, 'cmds'));
    expect(diagnostics).toEqual([]);
    expect(files.map((f) => f.id)).toEqual(['architect', 'git/workflows/feature', 'milestone/plan', 'milestone/quickstart/frontend']);
  });

  it('follows symbolic links but reports a loop once and keeps going', async () => {
    const dir = tempRepo({ 'cmds/a/one.md': '', 'cmds/b/two.md': '' });
    symlinkSync(join(dir, 'cmds'), join(dir, 'cmds', 'a', 'back'));
    symlinkSync(join(dir, 'cmds', 'b'), join(dir, 'cmds', 'linked'));
    const { files, diagnostics } = await walkMarkdownTree(join(dir, 'cmds'));
    expect(files.map((f) => f.id)).toEqual(['a/one', 'b/two', 'linked/two']);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', code: 'commands/symlink-loop' });
    expect(diagnostics[0]!.message).toContain("'a/back' leads back to");
  });

  it('names a loop between two linked files a loop, not a broken link (findings R2 #17)', async () => {
    const dir = tempRepo({ 'cmds/ok.md': '' });
    symlinkSync(join(dir, 'cmds', 'loop2.md'), join(dir, 'cmds', 'loop1.md'));
    symlinkSync(join(dir, 'cmds', 'loop1.md'), join(dir, 'cmds', 'loop2.md'));
    const { files, diagnostics } = await walkMarkdownTree(join(dir, 'cmds'));
    expect(files.map((f) => f.id)).toEqual(['ok']);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['commands/symlink-loop', "symbolic link loop: 'loop1.md' leads back to itself through other links; skipped"],
      ['commands/symlink-loop', "symbolic link loop: 'loop2.md' leads back to itself through other links; skipped"],
    ]);
  });

  it('reports a broken link and finds nothing in a folder that does not exist', async () => {
    const dir = tempRepo({ 'cmds/ok.md': '' });
    symlinkSync(join(dir, 'missing'), join(dir, 'cmds', 'gone'));
    const { files, diagnostics } = await walkMarkdownTree(join(dir, 'cmds'));
    expect(files.map((f) => f.id)).toEqual(['ok']);
    expect(diagnostics[0]).toMatchObject({ code: 'commands/broken-link' });
    expect(await walkMarkdownTree(join(dir, 'nope'))).toEqual({ files: [], diagnostics: [] });
  });
});
