import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alive, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));
const command = (front: string, body: string) => `---\ndescription: x\n${front}---\n${body}\n`;

/** A repository whose agent is the fake one, logging each call (args and the prompt it read) to `log`. */
function repo(files: Record<string, string>, agent: object = { command: FAKE_CLAUDE }) {
  const dir = tempRepo({ 'orchestrator.config.json': JSON.stringify({ agent, globalPassThroughEnv: ['FAKE_AGENT_LOG'] }), '.gitignore': '.orch/\n', ...files });
  const log = `${dir}.calls.jsonl`;
  const calls = (): { args: string[]; prompt: string }[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { args: string[]; prompt: string }) : []);
  const orch = (...args: string[]) => runOrch(args, dir, { FAKE_AGENT_LOG: log }, { timeoutMs: 60_000 });
  return { dir, log, calls, orch };
}

describe('allowed-tools: all grants no Bash, to !`cmd` lines as to the agent (FINDINGS-12 #1)', () => {
  it('refuses every line under `all` (any case), runs nothing, and the agent gets no --allowedTools either', () => {
    const { dir, calls, orch } = repo({
      '.claude/commands/d8.md': command('allowed-tools: all\n', 'R=!`touch PALL && echo done > PALL2`'),
      '.claude/commands/d9.md': command('allowed-tools: All\n', 'S=!`touch PALL3`'),
      '.claude/commands/plain.md': command('allowed-tools: all\n', 'Just text.'),
    });
    for (const name of ['d8', 'd9']) {
      const shown = orch('show', name, '--render', '--exec');
      expect(shown.code, name).toBe(2);
      expect(shown.stderr).toContain('`allowed-tools: all` is not a tool name in Claude Code, so it allows no Bash command');
      expect(orch('run', name).code, name).toBe(2);
    }
    expect(['PALL', 'PALL2', 'PALL3'].filter((file) => existsSync(join(dir, file)))).toEqual([]);
    expect(calls()).toEqual([]);
    expect(orch('run', 'plain').code).toBe(0);
    expect(calls()[0]!.args).not.toContain('--allowedTools');
  });
});

describe('disallowed-tools beats allowed-tools for !`cmd` lines (FINDINGS-12 #2)', () => {
  it('Bash(rm:*) refuses `rm` under allowed-tools: Bash, alone or in a compound line; a bare Bash deny refuses all', () => {
    const { dir, calls, orch } = repo({
      victim: 'keep me',
      '.claude/commands/d1.md': command('allowed-tools: Bash\ndisallowed-tools: Bash(rm:*)\n', 'R=!`rm victim`'),
      '.claude/commands/d2.md': command('allowed-tools: Bash\ndisallowed-tools: Bash(rm:*)\n', 'R=!`echo hi && rm victim`'),
      '.claude/commands/d3.md': command('allowed-tools: Bash(*)\ndisallowed-tools: [Bash]\n', 'R=!`touch made`'),
    });
    for (const name of ['d1', 'd2', 'd3']) {
      const shown = orch('show', name, '--render', '--exec');
      expect(shown.code, name).toBe(2);
      expect(shown.stderr, name).toContain('disallowed-tools denies');
      expect(orch('run', name).code, name).toBe(2);
    }
    expect(existsSync(join(dir, 'victim'))).toBe(true);
    expect(existsSync(join(dir, 'made'))).toBe(false);
    expect(calls()).toEqual([]);
  });
});

describe('a deny rule is not bypassed by a path, a compound command, an expansion or a wrapper (findings R2 #6)', () => {
  it('validate reports each line, and neither show --render --exec nor run runs it', () => {
    const lines = ['/bin/rm v1', '{ rm v2; }', 'if true; then rm v3; fi', 'rm$IFS/v4', 'env -i rm v5', 'setsid rm v6', 'flock lk rm v7', 'ionice rm v8', 'chrt -o 0 rm v9', 'taskset 1 rm v10'];
    const victims = Object.fromEntries(lines.map((_, i) => [`v${i + 1}`, 'keep me']));
    const commands = Object.fromEntries(lines.map((line, i) => [`.claude/commands/dn${i + 1}.md`, command('allowed-tools: Bash\ndisallowed-tools: Bash(rm *)\n', `X: !\`${line}\``)]));
    const { dir, calls, orch } = repo({ ...victims, ...commands });
    const validate = orch('validate');
    expect(validate.code).toBe(2);
    for (const [i] of lines.entries()) expect(validate.stderr, lines[i]).toContain(`.claude/commands/dn${i + 1}.md:6:4: error: dn${i + 1}: the prompt runs`);
    expect(validate.stderr).toContain('`rm$IFS/v4` names its program with an expansion');
    for (const [i] of lines.entries()) {
      expect(orch('show', `dn${i + 1}`, '--render', '--exec').code, lines[i]).toBe(2);
      expect(orch('run', `dn${i + 1}`).code, lines[i]).toBe(2);
    }
    expect(Object.keys(victims).filter((file) => !existsSync(join(dir, file)))).toEqual([]);
    expect(calls()).toEqual([]);
  });
});

describe('${CLAUDE_SKILL_DIR} in a skill\'s !`cmd` lines (findings R2 #15)', () => {
  it('is the skill\'s folder, so a line reads the files bundled beside SKILL.md, in show --exec and in a run', () => {
    const { calls, orch } = repo({
      '.claude/skills/sk2/data.txt': 'SKILLDATA\n',
      '.claude/skills/sk2/SKILL.md': command('allowed-tools: Bash(cat *)\n', 'Data: !`cat ${CLAUDE_SKILL_DIR}/data.txt`'),
    });
    const shown = orch('show', 'sk2', '--render', '--exec');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Data: SKILLDATA');
    const run = orch('run', 'sk2');
    expect(run.code, run.stderr).toBe(0);
    expect(calls()[0]!.prompt).toContain('Data: SKILLDATA');
  });
});

describe('validate and run report every refused !`cmd` line, located, before anything starts (FINDINGS-11 #6)', () => {
  const files = {
    '.claude/commands/inj.md': command('allowed-tools: Bash(git status:*)\n', 'Echo: !`echo pwned > E1`\nAnd !`git status $(touch P)` and !`git diffx; touch P`'),
    '.claude/commands/fine.md': command('', 'Fine.'),
  };

  it('validate names each line at file:line:col with a hint that works, and exits 2', () => {
    const { orch } = repo(files);
    const validate = orch('validate');
    expect(validate.code).toBe(2);
    const out = validate.stdout + validate.stderr;
    expect(out).toContain('.claude/commands/inj.md:5:7: error: inj: the prompt runs `echo pwned > E1` with !`…`');
    expect(out).toContain('.claude/commands/inj.md:6:5: error: inj: the prompt runs `git status $(touch P)` with !`…`');
    expect(out).toContain('.claude/commands/inj.md:6:34: error: inj: the prompt runs `git diffx; touch P` with !`…`, but no Bash(...) rule in allowed-tools allows its parts `git diffx`, `touch P`');
    // Hints that work (FINDINGS-12 #13): plain Bash only for what no rule can vouch for; a rule per part for the rest.
    expect(out).toContain('no Bash(...) rule can allow this line: only a plain `Bash` in allowed-tools does');
    expect(out).not.toContain('Bash(git status $(touch P))');
    expect(out).not.toContain('Bash(git diffx; touch P)');
    expect(out).toContain('add Bash(git diffx) and Bash(touch P) (these commands only)');
  });

  it('orch run inj is refused with exit 2 before anything starts; other commands still run', () => {
    const { dir, calls, orch } = repo(files);
    const run = orch('run', 'inj');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('3 problems in what this run needs; nothing was run');
    expect(['E1', 'P', '.orch/sessions'].filter((file) => existsSync(join(dir, file)))).toEqual([]);
    expect(calls()).toEqual([]);
    expect(orch('run', 'fine').code).toBe(0);
  });
});

describe('prompts reach the agent whole (FINDINGS-12 #6)', () => {
  it('a prompt over the 128 KiB argument limit goes to the agent on stdin', () => {
    const body = `${'word '.repeat(19)}\n`.repeat(2000);
    const { calls, orch } = repo({ '.claude/commands/big.md': command('', body) });
    expect(orch('validate').code).toBe(0);
    const run = orch('run', 'big');
    expect(run.code, run.stderr).toBe(0);
    expect(calls()[0]!.prompt).toBe(`${body}\n`);
    expect(calls()[0]!.args.join(' ').length).toBeLessThan(1000);
  });

  it('a generic adapter that puts {prompt} in an argument fails at the command file before spawning', () => {
    const { calls, orch } = repo({ '.claude/commands/big.md': command('', 'x'.repeat(200_000)) }, { adapter: 'generic', command: FAKE_CLAUDE, args: ['-p', '{prompt}'] });
    const run = orch('run', 'big', '--reporter', 'plain');
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('.claude/commands/big.md: the prompt of big is 200001 bytes; one argument holds at most 131071 (128 KiB)');
    expect(run.stdout + run.stderr).toContain('write agent.args without {prompt}, and orch writes the prompt to the CLI');
    expect(calls()).toEqual([]);
  });

  it('a NUL in a prompt body is an error at its line and column, in validate and before a run', () => {
    const { calls, orch } = repo({ '.claude/commands/nb.md': 'body \0 x\n', '.claude/commands/nb2.md': '--\0-\nbody\n' });
    const validate = orch('validate');
    expect(validate.code).toBe(2);
    expect(validate.stdout + validate.stderr).toContain('.claude/commands/nb.md:1:6: error: nb: the prompt holds a NUL character');
    expect(validate.stdout + validate.stderr).toContain('.claude/commands/nb2.md:1:3: error: nb2: the prompt holds a NUL character');
    expect(orch('run', 'nb').code).toBe(2);
    expect(calls()).toEqual([]);
  });
});

describe('the output of !`cmd` lines is part of the hash (FINDINGS-12 #7)', () => {
  it('a changed output runs the task again with the new prompt; lines run once per run; explain shows them', () => {
    const outside = tempRepo({}, { git: false });
    const source = join(outside, 'o.txt');
    const count = join(outside, 'count');
    writeFileSync(source, 'v1\n');
    const { dir, calls, orch } = repo({ '.claude/commands/sh.md': command('allowed-tools: Bash(cat:*), Bash(echo:*)\n', `F=!\`cat ${source}\` C=!\`echo run >> ${count}\``) });
    // `>>` needs plain Bash: validate says so, and this command is refused.
    expect(orch('validate').code).toBe(2);
    writeFileSync(join(dir, '.claude/commands/sh.md'), command('allowed-tools: Bash\n', `F=!\`cat ${source}\` C=!\`echo run >> ${count}\``));
    commitAll(dir);
    expect(orch('run', 'sh').code).toBe(0);
    // Hashed and rendered from one run of the lines.
    expect(readFileSync(count, 'utf8')).toBe('run\n');
    writeFileSync(source, 'v2\n');
    const second = orch('run', 'sh', '--reporter', 'plain');
    expect(second.stdout + second.stderr).not.toContain('cached');
    expect(calls().map((call) => call.prompt)).toEqual(['F=v1 C=\n', 'F=v2 C=\n']);
    const third = orch('run', 'sh', '--reporter', 'plain');
    expect(third.stdout + third.stderr).toContain('✔ sh (cached local');
    expect(calls()).toHaveLength(2);
    const explained = orch('explain', 'sh');
    expect(explained.stdout).toMatch(new RegExp(`definition: +output of !\`cat ${source}\` \\(line 5\\) [0-9a-f]{12}`));
    expect(explained.stdout).toContain('cache hit');
    writeFileSync(source, 'v3\n');
    expect(orch('explain', 'sh').stdout).toContain(`definition output of !\`cat ${source}\` (line 5) changed`);
    // A dry run runs no line, so it cannot know the hash.
    expect(orch('run', 'sh', '--dry-run').stdout).toContain("[cache unknown: its prompt's !`cmd` output is hashed when it runs]");
    expect(readFileSync(count, 'utf8')).toBe('run\n'.repeat(5));
  });
});

describe('a failing !`cmd` line', () => {
  it('fails the task at execution, having run once; after a retry its answer is not cached under a hash of what failed', () => {
    const outside = tempRepo({}, { git: false });
    const count = join(outside, 'count');
    const flaky = `F=!\`echo ran >> ${count}; if test -f ${outside}/ok; then echo fine; else touch ${outside}/ok; exit 1; fi\``;
    const { calls, orch } = repo({ '.claude/commands/bad.md': command('allowed-tools: Bash\n', `F=!\`echo ran >> ${count}; echo oops >&2; false\``), '.claude/commands/flaky.md': command('allowed-tools: Bash\nretry: 1\n', flaky) });
    const bad = orch('run', 'bad', '--reporter', 'plain');
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('bad failed at execute: .claude/commands/bad.md:5:3: bad: !`echo ran');
    expect(bad.stdout + bad.stderr).toContain('failed (exit code 1): oops');
    expect(readFileSync(count, 'utf8')).toBe('ran\n');
    expect(calls()).toEqual([]);
    writeFileSync(count, '');
    expect(orch('run', 'flaky').code).toBe(0);
    expect(readFileSync(count, 'utf8')).toBe('ran\nran\n');
    // The first attempt's hash held `failed`: the run that succeeded on retry stored nothing under it.
    const again = orch('run', 'flaky', '--reporter', 'plain');
    expect(again.stdout + again.stderr).not.toContain('cached');
    expect(calls()).toHaveLength(2);
  });
});

describe('!`cmd` lines are supervised process groups with a time limit (FINDINGS-12 #8)', () => {
  it('Ctrl-C during a run ends the line and what it started', async () => {
    const pidFile = `${tempRepo({}, { git: false })}/pid`;
    const { dir, log } = repo({ '.claude/commands/sl.md': command('allowed-tools: Bash\n', `S=!\`sleep 300 & echo $! > ${pidFile}; wait\``) });
    const orch = startOrch(['run', 'sl'], dir, { FAKE_AGENT_LOG: log });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 15_000, 'the line to start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    orch.child.kill('SIGINT');
    const ended = await orch.exited;
    expect(ended.code).toBe(130);
    expect(alive(pid)).toBe(false);
  });

  it('show --render --exec stops a line past its time limit, and on Ctrl-C, leaving nothing running', async () => {
    const pidFile = `${tempRepo({}, { git: false })}/pid`;
    const line = `S=!\`sleep 300 & echo $! > ${pidFile}; wait\``;
    const { dir } = repo({ '.claude/commands/slow.md': command('allowed-tools: Bash\ntimeout: 1s\n', line), '.claude/commands/sl.md': command('allowed-tools: Bash\n', line) });
    const shown = runOrch(['show', 'slow', '--render', '--exec'], dir, {}, { timeoutMs: 60_000 });
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain('did not finish within 1 s, the time limit of a !`cmd` line; it was stopped');
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    writeFileSync(pidFile, '');
    const orch = startOrch(['show', 'sl', '--render', '--exec'], dir);
    await waitFor(() => readFileSync(pidFile, 'utf8').trim() !== '', 15_000, 'the line to start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    orch.child.kill('SIGINT');
    expect((await orch.exited).code).toBe(130);
    expect(alive(pid)).toBe(false);
  });
});
