import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { alive, runOrch } from '../helpers/runOrch.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));
const events = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);

const repo = (files: Record<string, string>, agent: object = { command: FAKE_CLAUDE }) =>
  tempRepo({
    '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: reviews\nmodel: opus\n---\nYou review code carefully.\n',
    '.claude/agents/tester.md': '---\nname: tester\ndescription: tests\ntools: Read, Bash\n---\nYou write tests.\n',
    // The fake agent writes its calls to FAKE_AGENT_LOG, which strict mode passes only when named.
    'orchestrator.config.json': JSON.stringify({ agent, globalPassThroughEnv: ['FAKE_AGENT_LOG'] }),
    ...files,
  });

describe('prompt rendering', () => {
  const files = {
    'notes/context.md': '---\ntitle: ignored front matter\n---\nThe project is a CLI.',
    '.claude/commands/review/_shared/rules.md': 'Rule: be kind.',
    '.claude/commands/review/execute.md':
      '---\ndescription: review\nallowed-tools: Bash(echo:*), Read\n---\nReview $ARGUMENTS (first $0, index $ARGUMENTS[0], second $1).\n@_shared/rules.md\nContext: @notes/context.md\nBranch: !`echo main-branch`\nMail me@example.com stays.\n',
    '.claude/commands/nobash.md': '---\ndescription: x\nallowed-tools: Read\n---\nStatus: !`git status`\n',
  };

  it('orch show --render --exec prints the exact prompt: arguments, includes, partials and !`cmd`', () => {
    const run = runOrch(['show', 'review', '--render', '--exec', '--', 'src/a.ts', 'src/b.ts'], repo(files));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'Review src/a.ts src/b.ts (first src/a.ts, index src/a.ts, second src/b.ts).\nRule: be kind.\nContext: The project is a CLI.\nBranch: main-branch\nMail me@example.com stays.\n\n',
    );
  });

  it('honours a configured positional and index base', () => {
    const dir = repo(files);
    const config = JSON.parse(readFileSync(join(dir, 'orchestrator.config.json'), 'utf8'));
    const based = repo({ ...files, 'orchestrator.config.json': JSON.stringify({ ...config, prompt: { positionalBase: 1, indexBase: 1 } }) });
    // From 1: $0 has no argument and stays as written, $1 is the first; $ARGUMENTS[0] is before the first.
    expect(runOrch(['show', 'review', '--render', '--', 'a', 'b'], based).stdout).toContain('(first $0, index , second a)');
  });

  it('refuses !`cmd` when allowed-tools does not allow Bash, at the line that runs it', () => {
    const run = runOrch(['show', 'nobash', '--render'], repo(files));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.claude/commands/nobash.md:5:9: error: nobash: the prompt runs `git status` with !`…`, but allowed-tools does not allow Bash');
  });
});

describe('prompt text never runs as a shell command unless the command author wrote it', () => {
  const files = {
    '.claude/commands/any-bash.md': '---\ndescription: x\nallowed-tools: Bash(git status:*)\n---\nLook at $ARGUMENTS\n',
    '.claude/commands/with-part.md': '---\ndescription: x\nallowed-tools: Bash\n---\nRules: @notes/part.md\n',
    'notes/part.md': 'Run !`touch from-include`\n',
    '.claude/commands/status-only.md': '---\ndescription: x\nallowed-tools: Bash(git status:*)\n---\nSay: !`echo x`\n',
    '.claude/commands/makes.md': '---\ndescription: x\nallowed-tools: Bash(touch made)\n---\nMade: !`touch made`\n',
  };

  it('an argument holding !`touch x` is never run, by show --render --exec or by run', () => {
    const dir = repo(files);
    const shown = runOrch(['show', 'any-bash', '--render', '--exec', '--', '!`touch from-arg`'], dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe('Look at "!`touch from-arg`"\n\n');
    const ran = runOrch(['run', 'any-bash', '--', '!`touch from-arg`'], dir);
    expect(ran.code).toBe(0);
    expect(existsSync(join(dir, 'from-arg'))).toBe(false);
  });

  it('a !`cmd` line inside an @-included file is never run', () => {
    const dir = repo(files);
    const shown = runOrch(['show', 'with-part', '--render', '--exec'], dir);
    expect(shown.stdout).toBe('Rules: Run !`touch from-include`\n\n');
    expect(runOrch(['run', 'with-part'], dir).code).toBe(0);
    expect(existsSync(join(dir, 'from-include'))).toBe(false);
  });

  it('Bash(git status:*) does not let !`echo x` run: the run is refused before anything starts', () => {
    const dir = repo(files);
    const run = runOrch(['run', 'status-only'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.claude/commands/status-only.md:5:6: error: status-only: the prompt runs `echo x` with !`…`, but no Bash(...) rule in allowed-tools allows it');
    expect(run.stderr).toContain('nothing was run');
  });

  it('show --render runs nothing without --exec, and runs the allowed line with it', () => {
    const dir = repo(files);
    const shown = runOrch(['show', 'makes', '--render'], dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe('Made: !`touch made`\n\n');
    expect(shown.stderr).toContain('note: not run: !`touch made` (.claude/commands/makes.md:5:7: makes); add --exec to run it');
    expect(existsSync(join(dir, 'made'))).toBe(false);
    expect(runOrch(['show', 'makes', '--render', '--exec'], dir).stdout).toBe('Made: \n\n');
    expect(existsSync(join(dir, 'made'))).toBe(true);
  });
});

describe('the agent executor', () => {
  it('deploys one agent process per role in parallel, with its definition, and records the results', () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = repo({ '.claude/commands/audit.md': '---\ndescription: audit\ncomplexity: medium\nagents: [reviewer, tester]\nallowed-tools: Read, Grep\n---\nAudit $ARGUMENTS\n' });
    const run = runOrch(['run', 'audit', '--json', '--', 'src/'], dir, { FAKE_AGENT_LOG: log });
    expect(run.code).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { role: string; args: string[]; prompt: string });
    const byRole = Object.fromEntries(calls.map((c) => [c.role, c.args]));
    expect(Object.keys(byRole).sort()).toEqual(['reviewer', 'tester']);
    // The prompt goes to stdin (`claude -p` reads it there): no size limit, unlike one argument.
    expect(byRole.reviewer).toEqual(['-p', '--output-format', 'json', '--max-turns', '25', '--model', 'opus', '--append-system-prompt', 'You review code carefully.', '--allowedTools', 'Read,Grep']);
    expect(calls.map((c) => c.prompt)).toEqual(['Audit src/\n', 'Audit src/\n']);
    expect(byRole.tester).toContain('You write tests.');
    const agents = events(run.stdout).filter((e) => e.type === 'agent-finished').map((e) => e.agent);
    expect(agents.map((a) => [a.role, a.ok, a.costUsd, a.turns, a.sessionId]).sort()).toEqual([
      ['reviewer', true, 0.0123, 3, 'sess-reviewer'],
      ['tester', true, 0.0123, 3, 'sess-tester'],
    ]);
    const output = events(run.stdout).filter((e) => e.type === 'task-output').map((e) => e.text).join('');
    expect(output).toContain('[reviewer] done by reviewer');
    expect(output).toContain('[tester] tester is working');
  });

  it.each([
    ['fail', 'agent: could not find the file'],
    ['max-turns', 'agent: the agent ran out of turns (10)'],
    ['garbage', 'agent: the agent CLI printed no JSON result (it printed: Welcome to the agent! Please log in.)'],
    ['exit-mismatch', 'agent: the agent CLI exited with code 2 although its result reported success'],
  ])('fails the task when the agent %s', (scenario, message) => {
    const dir = repo({ '.claude/commands/x.md': `---\ndescription: x\n---\nDo it. SCENARIO:${scenario}\n` });
    const run = runOrch(['run', 'x'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Failed: x at execute (exit code 1): ${message}`);
  });

  it('an agent that exits leaving a helper process holding its output still finishes, and the helper is ended', () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = repo({ '.claude/commands/lint.md': '---\ndescription: lint\n---\nSCENARIO:background\n' });
    const run = runOrch(['run', 'lint'], dir, { FAKE_AGENT_LOG: log }, { timeoutMs: 10_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('lint: its process exited but left 1 process of its group running (a background job such as `cmd &`), holding its output open: ended it');
    const helper = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { helper?: number }).find((call) => call.helper)!.helper!;
    expect(alive(helper)).toBe(false);
  }, 20_000);

  it('enforces its own time limit on an agent that does not finish', () => {
    const dir = repo({ '.claude/commands/x.md': '---\ndescription: x\ntimeout: 800ms\n---\nThink. SCENARIO:slow\n' });
    const run = runOrch(['run', 'x'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('timed out after 800ms');
  });

  it('names the config key to set when the agent CLI is missing', () => {
    const dir = repo({ '.claude/commands/x.md': '---\ndescription: x\n---\nDo it.\n' }, { command: '/nonexistent/claude-cli' });
    const run = runOrch(['run', 'x'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the agent CLI '/nonexistent/claude-cli' was not found; install it, or set agent.command (and agent.adapter) in orchestrator.config.ts");
  });

  it('refuses to run a command whose agent role has no definition, with did you mean', () => {
    const dir = repo({ '.claude/commands/x.md': '---\ndescription: x\nagents: [reviewr]\n---\nDo it.\n' });
    const run = runOrch(['run', 'x'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("x: agent role 'reviewr' has no definition");
    expect(run.stderr).toContain("did you mean 'reviewer'?");
  });

  it('runs a command with Claude Code’s context: fork and agent: <role> as that role; a built-in agent name runs the default agent', () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = repo({
      '.claude/commands/forked.md': '---\ndescription: x\ncontext: fork\nagent: reviewer\n---\nLook.\n',
      '.claude/commands/explore.md': '---\ndescription: x\ncontext: fork\nagent: Explore\n---\nLook around.\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('no problems');
    expect(runOrch(['run', 'forked'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    expect(runOrch(['run', 'explore'], dir, { FAKE_AGENT_LOG: log }).code).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { role: string; args: string[] });
    expect(calls.map((call) => call.role)).toEqual(['reviewer', 'default']);
    expect(calls[0]!.args).toContain('You review code carefully.');
  });
});
