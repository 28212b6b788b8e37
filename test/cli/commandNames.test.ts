import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

type Row = { id: string; file: string; shadowedBy?: string; reachAs?: string };

// Issue 12 findings, #10, #11 and #13: every name orch lists is a name it runs.
const ODD_NAMES = ['q/run', 'a:b', 'a..b', 'ui/ui:check', '~tilde', 'with space', 'constructor', 'toString', 'a#b', 'back\\slash', 'UPPER', 'name.with.dots', 'café', '-dash', 'x:y', 'x/y', 'deploy', 'deploy/execute', 'hello'];

describe('command names', () => {
  it('every id `orch list --json` prints resolves to itself with `orch show` and `orch run --dry-run`', () => {
    const files: Record<string, string> = {};
    for (const id of ODD_NAMES) files[`.claude/commands/${id}.md`] = `---\ndescription: the ${id} command\n---\nDo ${id}.\n`;
    const dir = tempRepo(files);
    const rows = JSON.parse(runOrch(['list', '--json'], dir).stdout) as Row[];
    expect(rows.map((row) => row.id).sort()).toEqual([...ODD_NAMES].sort());

    for (const row of rows) {
      // A file its folder's default entry hides is reached as `<id>.md`, as list says.
      const name = row.reachAs ?? row.id;
      const show = runOrch(['show', name], dir);
      expect(show.code, `${name}: ${show.stderr}`).toBe(0);
      expect(show.stdout.split('\n')[0], name).toBe(`${row.id}  (markdown, ${row.file})`);
    }
    const names = rows.map((row) => row.reachAs ?? row.id);
    const plan = runOrch(['run', ...names, '--dry-run', '--json'], dir);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = (JSON.parse(plan.stdout) as { tasks: { id: string }[] }).tasks.map((task) => task.id);
    expect(planned.sort()).toEqual(rows.map((row) => row.id).sort());
  });

  it('reads q:run as Claude Code’s /q:run, never as a drive letter; only X:\\ and X:/ are paths', () => {
    const dir = tempRepo({ '.claude/commands/q/run.md': 'q\n' });
    expect(runOrch(['show', 'q:run'], dir).stdout).toContain('q/run  (markdown');
    const path = runOrch(['show', 'C:/commands/q'], dir);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain("'C:/commands/q' is a path, not a command name");
  });

  it('says an unknown name as it was typed, with "did you mean" for a close name or another case', () => {
    const dir = tempRepo({ '.claude/commands/ui/ui:check.md': 'check\n', '.claude/commands/hello.md': 'hello\n' });
    const typo = runOrch(['show', 'ui/ui:chek'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("orch: unknown command 'ui/ui:chek'\n  hint: did you mean 'ui/ui:check'?\n");
    expect(runOrch(['show', 'HELLO'], dir).stderr).toBe("orch: unknown command 'HELLO'\n  hint: did you mean 'hello'?\n");
  });
});

describe('a skill, a folder and a file of one name (issue 12 findings, #11)', () => {
  const tree = {
    '.claude/skills/deploy/SKILL.md': '---\ndescription: the skill\n---\nDeploy as the skill.\n',
    '.claude/commands/deploy/execute.md': '---\ndescription: the folder entry\n---\nDeploy by the folder.\n',
    '.claude/commands/deploy.md': '---\ndescription: the file\n---\nDeploy by the file.\n',
  };

  it('deploy is the skill, as in Claude Code and as README says; the folder entry keeps its id; the file is a warning', () => {
    const dir = tempRepo(tree);
    expect(runOrch(['list'], dir).stdout).toBe('deploy          markdown  the skill\ndeploy/execute  markdown  the folder entry\n');
    expect(runOrch(['show', 'deploy'], dir).stdout.split('\n')[0]).toBe('deploy  (markdown, .claude/skills/deploy/SKILL.md)');
    const plan = runOrch(['run', 'deploy', '--dry-run'], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("1. deploy  requested as 'deploy'");
    expect(plan.stderr).not.toContain('folder-first');
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).toContain(".claude/commands/deploy.md:1:1: warning: the skill 'deploy' is used instead of this command");
    expect(validate.stderr).not.toContain('[command/shadowed]');
  });

  it('x:y.md beside x/y.md (both /x:y in Claude Code): a warning at x/y.md naming both and which one x:y runs', () => {
    const dir = tempRepo({ '.claude/commands/x:y.md': 'the colon file\n', '.claude/commands/x/y.md': 'the folder file\n' });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain(".claude/commands/x/y.md:1:1: warning: 'x/y' and 'x:y' are both /x:y in Claude Code: orch runs 'x:y' for x:y and /x:y; this one is run as 'x/y' [command/same-claude-name]");
    expect(validate.stderr).toContain("  - .claude/commands/x:y.md:1:1: 'x:y' is also /x:y");
    expect(runOrch(['show', '/x:y'], dir).stdout.split('\n')[0]).toBe('x:y  (markdown, .claude/commands/x:y.md)');
    expect(runOrch(['show', 'x/y'], dir).stdout.split('\n')[0]).toBe('x/y  (markdown, .claude/commands/x/y.md)');
  });
});
