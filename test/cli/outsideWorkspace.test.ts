import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Issue 15, part 6: outside any repository or workspace, every command says so and suggests
// `orch init`, instead of "no commands found" (exit 0) or "unknown command 'build'".

const COMMANDS = [['list'], ['run', 'build'], ['affected', '--list'], ['resume'], ['status'], ['metrics'], ['sessions'], ['explain', 'build'], ['cache', 'stats'], ['show', 'build'], ['validate'], ['report'], ['graph']];

describe('outside any repository or workspace', () => {
  it.each(COMMANDS.map((args) => [args.join(' '), args]))('orch %s says so and suggests orch init (exit 2, no stack trace)', (_name, args) => {
    // A temp folder: no .git, package.json, pnpm-workspace.yaml, .claude or config here, and the
    // search for one never climbs into the world-writable temp folder above it.
    const dir = tempRepo({ 'notes.txt': 'not a project\n' }, { git: false });
    const run = runOrch(args, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`orch: not inside a repository or workspace: no orchestrator config, .git, package.json, pnpm-workspace.yaml or .claude folder in ${dir} or above it\n  hint: cd into your repository, or run \`orch init\` here to start one\n`);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['a package.json', { 'package.json': JSON.stringify({ name: 'solo', scripts: { build: 'echo built' } }) }],
    ['a .claude folder', { '.claude/commands/hi.md': '---\ndescription: hi\nrun: echo hi\n---\n' }],
    ['a config', { 'orchestrator.config.json': JSON.stringify({ commands: { hi: { run: 'echo hi' } } }) }],
  ])('a folder with %s and no git is a workspace', (_what, files) => {
    const dir = tempRepo(files, { git: false });
    const list = runOrch(['list'], dir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).not.toContain('not inside a repository');
  });

  it('orch init there starts one, after which the commands work', () => {
    const dir = tempRepo({}, { git: false });
    const init = runOrch(['init'], dir);
    expect(init.code, init.stderr).toBe(0);
    expect(runOrch(['run', 'hello'], dir).code).toBe(0);
  });
});
