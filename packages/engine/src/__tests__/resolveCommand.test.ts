import { describe, expect, it } from 'vitest';
import type { CommandDefinition } from '../commands/CommandDefinition.js';
import { describeUnresolved, resolveCommand } from '../commands/resolveCommand.js';
import { didYouMean } from '../diagnostics/closestMatches.js';
import { shadowedCommands } from '../commands/shadowedCommands.js';

function known(ids: string[], skills: string[] = []): { commands: Map<string, CommandDefinition> } {
  const commands = new Map<string, CommandDefinition>();
  for (const id of [...ids, ...skills]) {
    const [project, target] = id.includes('#') ? id.split('#') : [undefined, undefined];
    commands.set(id, {
      id,
      kind: project ? 'script' : 'markdown',
      source: 'test',
      location: { file: `${id}.md` },
      dependencies: [],
      metadata: { agents: [], extra: {} },
      steps: [],
      ...(project ? { project, target } : {}),
      ...(skills.includes(id) ? { layout: { form: 'skill' as const } } : {}),
    });
  }
  return { commands };
}

describe('resolveCommand (stage 1, folder first)', () => {
  const tree = known(['milestone', 'milestone/execute', 'milestone/plan', 'git/workflows/feature', 'test/unit', 'test/e2e', 'debug', 'web#build', 'api#build', 'api#lint']);

  it('runs a folder’s default entry before a file of the same name, and says so', () => {
    const result = resolveCommand(tree, 'milestone');
    expect(result).toMatchObject({ kind: 'command', id: 'milestone/execute', via: 'folder-default' });
    expect(result.kind === 'command' && result.warnings[0]).toContain("Name 'milestone.md' to run the file instead");
  });

  it('reaches the shadowed file when named with .md', () => {
    expect(resolveCommand(tree, 'milestone.md')).toMatchObject({ kind: 'command', id: 'milestone', via: 'direct-file' });
  });

  it('resolves hierarchical names at any depth and their aliases', () => {
    expect(resolveCommand(tree, 'milestone/plan')).toMatchObject({ id: 'milestone/plan' });
    expect(resolveCommand(tree, 'milestone:plan')).toMatchObject({ id: 'milestone/plan', via: 'alias' });
    expect(resolveCommand(tree, '/milestone:plan')).toMatchObject({ id: 'milestone/plan', via: 'alias' });
    expect(resolveCommand(tree, '/git/workflows/feature')).toMatchObject({ id: 'git/workflows/feature' });
    expect(resolveCommand(tree, 'git:workflows:feature')).toMatchObject({ id: 'git/workflows/feature' });
  });

  it('honours a configured default entry', () => {
    const custom = known(['deploy/index', 'deploy/execute']);
    expect(resolveCommand(custom, 'deploy', { defaultEntry: 'index' })).toMatchObject({ id: 'deploy/index' });
  });

  it('resolves a script name to that target in every package, and project:target like Nx', () => {
    expect(resolveCommand(tree, 'build')).toEqual({ kind: 'target', target: 'build', ids: ['api#build', 'web#build'] });
    expect(resolveCommand(tree, 'api#lint')).toMatchObject({ kind: 'command', id: 'api#lint' });
    expect(resolveCommand(tree, 'api:lint')).toMatchObject({ kind: 'command', id: 'api#lint' });
  });

  it('suggests close names and never picks one', () => {
    const result = resolveCommand(tree, 'milestone/plna');
    expect(result.kind).toBe('not-found');
    expect(result.kind === 'not-found' && result.suggestions).toContain('milestone/plan');
    expect(describeUnresolved(result as never).hint).toContain("did you mean 'milestone/plan'");
  });

  it('lists the commands of a folder that has no default entry', () => {
    const result = resolveCommand(tree, 'test');
    expect(result).toMatchObject({ kind: 'not-found', folderCommands: ['test/e2e', 'test/unit'] });
    expect(describeUnresolved(result as never).hint).toBe('name one of them: test/e2e, test/unit');
  });

  it.each([
    ['../secrets', "'..' is not allowed"],
    ['milestone/../../x', "'..' is not allowed"],
    ['a\0b', 'NUL'],
    ['C:\\commands\\x', 'not `\\`'],
    ['//etc/passwd', 'is a path'],
    ['', 'does not name a command'],
  ])('rejects the unsafe name %j', (name, reason) => {
    const result = resolveCommand(tree, name);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason).toContain(reason);
  });
});

describe('resolveCommand: names with colons, and what x means beside x/', () => {
  it('resolves a file whose name holds a colon by its listed id and by Claude Code’s name', () => {
    const tree = known(['ui/ui:check', 'ui/build']);
    expect(resolveCommand(tree, 'ui/ui:check')).toMatchObject({ kind: 'command', id: 'ui/ui:check' });
    expect(resolveCommand(tree, '/ui:ui:check')).toMatchObject({ kind: 'command', id: 'ui/ui:check' });
    expect(resolveCommand(tree, 'ui:ui:check')).toMatchObject({ kind: 'command', id: 'ui/ui:check' });
    expect(resolveCommand(tree, 'ui:build')).toMatchObject({ kind: 'command', id: 'ui/build', via: 'alias' });
  });

  it('never answers a listed id with "not found, did you mean <that id>"', () => {
    const tree = known(['ui/ui:check']);
    for (const name of ['ui/ui:check', 'ui:ui:check', '/ui:ui:check']) {
      const result = resolveCommand(tree, name);
      expect(result.kind === 'not-found' ? result.suggestions : [], name).toEqual([]);
    }
  });

  it('folder first by default (with a warning naming both ways out); file first runs x.md as Claude Code does', () => {
    const tree = known(['deploy', 'deploy/execute', 'deploy/check']);
    const folderFirst = resolveCommand(tree, 'deploy');
    expect(folderFirst).toMatchObject({ id: 'deploy/execute', via: 'folder-default' });
    expect(folderFirst.kind === 'command' && folderFirst.warnings[0]).toContain("Name 'deploy.md' to run the file instead, or set resolution: 'file-first'");
    expect(resolveCommand(tree, 'deploy', { resolution: 'file-first' })).toEqual({ kind: 'command', id: 'deploy', via: 'exact', warnings: [] });
    expect(resolveCommand(tree, 'deploy/execute', { resolution: 'file-first' })).toMatchObject({ id: 'deploy/execute' });
    expect(resolveCommand(tree, '/deploy', { resolution: 'file-first' })).toMatchObject({ id: 'deploy' });
  });

  it('shadowedCommands names the file folder-first hides, and none with file-first', () => {
    const tree = known(['deploy', 'deploy/execute', 'other']);
    expect([...shadowedCommands(tree.commands)]).toEqual([['deploy', 'deploy/execute']]);
    expect(shadowedCommands(tree.commands, { resolution: 'file-first' }).size).toBe(0);
  });
});

describe('resolveCommand: every listed id names itself (issue 12 findings, #10, #11, #13)', () => {
  it.each([['q/run', 'q:run'], ['a:b', 'a:b'], ['a..b', 'a..b'], ['x/c:d', 'x/c:d'], ['~tilde', '~tilde'], ['constructor', 'constructor'], ['__proto__', '__proto__']])('%s resolves from %j', (id, typed) => {
    expect(resolveCommand(known([id, 'other']), typed)).toMatchObject({ kind: 'command', id });
  });

  it('reads a drive letter only as X:\\ or X:/, and .. only as a whole segment', () => {
    const tree = known(['q/run']);
    expect(resolveCommand(tree, 'q:run')).toMatchObject({ kind: 'command', id: 'q/run', via: 'alias' });
    expect(resolveCommand(tree, 'c:\\x')).toMatchObject({ kind: 'invalid' });
    for (const path of ['C:/commands/x', '~/x', '~']) expect(resolveCommand(tree, path)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('is a path') });
    expect(resolveCommand(tree, 'a/../b')).toMatchObject({ kind: 'invalid' });
    expect(resolveCommand(tree, 'a:..:b')).toMatchObject({ kind: 'invalid' });
    expect(resolveCommand(tree, 'a..b')).toMatchObject({ kind: 'not-found' });
  });

  it('a skill wins over a folder of the same name, folder first or not', () => {
    const tree = known(['deploy/execute'], ['deploy']);
    expect(resolveCommand(tree, 'deploy')).toEqual({ kind: 'command', id: 'deploy', via: 'exact', warnings: [] });
    expect(resolveCommand(tree, 'deploy/execute')).toMatchObject({ id: 'deploy/execute' });
    expect(shadowedCommands(tree.commands).size).toBe(0);
  });

  it('names the command as typed when it is unknown, and suggests another case', () => {
    const tree = known(['ui/ui:check', 'hello']);
    expect(describeUnresolved(resolveCommand(tree, 'ui/ui:chek') as never)).toEqual({ message: "unknown command 'ui/ui:chek'", hint: "did you mean 'ui/ui:check'?" });
    expect(describeUnresolved(resolveCommand(tree, 'HELLO') as never)).toEqual({ message: "unknown command 'HELLO'", hint: "did you mean 'hello'?" });
  });
});

describe('didYouMean', () => {
  it('suggests names that resemble the input, never ones that share no character with it (FINDINGS-11 #11)', () => {
    expect(didYouMean('bulid', ['build', 'test'])).toBe("did you mean 'build'?");
    expect(didYouMean('tst', ['test', 'lint'])).toBe("did you mean 'test'?");
    // One-letter package names are each one edit from another: none resembles the other.
    expect(didYouMean('a', ['b', 'c', 'd'])).toBeUndefined();
    expect(didYouMean('ui', ['db', 'api'])).toBeUndefined();
    expect(didYouMean('web', ['packages/web-app', 'wab'])).toBe("did you mean 'wab' or 'packages/web-app'?");
  });
});
