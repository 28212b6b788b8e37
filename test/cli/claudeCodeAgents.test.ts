import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));
const config = JSON.stringify({ agent: { command: FAKE_CLAUDE }, globalPassThroughEnv: ['FAKE_AGENT_LOG'] });
/** What the fake agent was called with, one entry per call. */
const calls = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { role: string; args: string[] });

// Issue 12 findings, #5: Claude Code's `agent: <name>` with `context: fork` is an agent the command uses.
describe("Claude Code's agent with context: fork", () => {
  const tree = {
    'orchestrator.config.json': config,
    '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: Reviews\n---\nYou review.\n',
    '.claude/agents/reviewer-copy.md': '---\nname: reviewer\ndescription: Reviews too\n---\nYou also review.\n',
    '.claude/agents/broken.md': '---\nname: broken\ndescription: Broken\nsteps:\n  - *nope\n---\nYou are broken.\n',
    '.claude/agents/helper.md': '---\nname: helper\ndescription: Helps\nmodel: inherit\n---\nYou help.\n',
    '.claude/commands/forked.md': '---\ndescription: Forked\nagent: reviewer\ncontext: fork\n---\nReview it.\n',
    '.claude/commands/uses-broken.md': '---\ndescription: Uses broken\nagent: broken\ncontext: fork\n---\nDo it.\n',
    '.claude/commands/helped.md': '---\ndescription: Helped\nagent: helper\ncontext: fork\n---\nHelp.\n',
    '.claude/commands/hello.md': '---\ndescription: Hello\nrun: echo hello\n---\n',
  };

  it('a duplicate agent it names is an error of that agent, as with agents: [...]; other commands still run', () => {
    const dir = tempRepo(tree);
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(".claude/agents/reviewer-copy.md:2:7: error: duplicate agent 'reviewer', used by forked [agent/duplicate-name]");
    const run = runOrch(['run', 'forked'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/reviewer-copy\.md:2:7: error: duplicate agent 'reviewer', used by forked[\s\S]*nothing was run/);
    expect(runOrch(['run', 'hello'], dir, { CI: '1' }).code).toBe(0);
  });

  it("a broken agent file blocks the run of the command that names it, and only that run", () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = tempRepo(tree);
    const run = runOrch(['run', 'uses-broken'], dir, { FAKE_AGENT_LOG: log });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^\.claude\/agents\/broken\.md:5:5: error: front matter: alias '\*nope' refers to no anchor before it/m);
    expect(run.stderr).toContain('nothing was run');
    const helped = runOrch(['run', 'helped'], dir, { FAKE_AGENT_LOG: log, CI: '1' });
    expect(helped.code, helped.stderr).toBe(0);
    // It runs as the agent it names; `model: inherit` is the default model, not `--model inherit`.
    const [call] = calls(log);
    expect(call!.role).toBe('helper');
    expect(call!.args).not.toContain('--model');
  });

  it('an agent with no definition is a warning with "did you mean"; Claude Code’s built-in agents are none; an unknown context too', () => {
    const dir = tempRepo({
      '.claude/agents/reviewer.md': '---\nname: reviewer\ndescription: Reviews\n---\nYou review.\n',
      '.claude/commands/ghost.md': '---\ndescription: Ghost\nagent: reviewr\ncontext: fork\n---\nBoo.\n',
      '.claude/commands/explore.md': '---\ndescription: Explore\nagent: Explore\ncontext: fork\n---\nLook.\n',
      '.claude/commands/typo.md': '---\ndescription: Typo\nagent: reviewer\ncontext: forkk\n---\nHm.\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain(".claude/commands/ghost.md:3:8: warning: ghost: agent 'reviewr' (context: fork) has no definition; the default agent runs the command [agents/unknown-agent]");
    expect(validate.stderr).toContain("hint: did you mean 'reviewer'?");
    expect(validate.stderr).toContain(".claude/commands/typo.md:4:10: warning: context: 'forkk' is not a context Claude Code knows (only 'fork'); ignored [front-matter/invalid]");
    expect(validate.stderr).toContain("hint: did you mean 'fork'?");
    expect(validate.stderr).not.toContain('explore.md');
  });
});

// Issue 12 findings, #15: agents without a description, as Claude Code loads them.
describe('agent files Claude Code does not load', () => {
  it('a file with no front matter or no description is not an agent: a warning, and a command naming it is told why', () => {
    const dir = tempRepo({
      '.claude/agents/notes.md': 'Just notes about agents.\n',
      '.claude/agents/quiet.md': '---\nname: quiet\n---\nYou are quiet.\n',
      '.claude/commands/hush.md': '---\ndescription: Hush\nagents: [quiet]\n---\nHush.\n',
    });
    const validate = runOrch(['validate'], dir);
    expect(validate.stdout).toBe('✖ 1 command, 0 agents, 0 projects: 1 error, 2 warnings\n');
    expect(validate.stderr).toContain(".claude/agents/notes.md:1:1: warning: no front matter: Claude Code loads no agent without a description, so 'notes' is not defined [agent/no-description]");
    expect(validate.stderr).toContain(".claude/agents/quiet.md:1:1: warning: no description: Claude Code loads no agent without a description, so 'quiet' is not defined");
    expect(validate.stderr).toContain(".claude/commands/hush.md:3:10: error: hush: agent role 'quiet' has no definition [agents/unknown-role]");
    expect(validate.stderr).toContain('hint: .claude/agents/quiet.md has no description, so it is not an agent (Claude Code loads none without one): add description: to it');
  });
});

describe('${CLAUDE_SESSION_ID}', () => {
  it("is the run's session id in the prompt the agent gets, and stays as written for orch show --render, with a note", () => {
    const log = join(tempRepo(), 'calls.jsonl');
    const dir = tempRepo({ 'orchestrator.config.json': config, '.claude/commands/log.md': '---\ndescription: Log\n---\nWrite to notes/${CLAUDE_SESSION_ID}.md\n' });
    const run = runOrch(['run', 'log', '--json'], dir, { FAKE_AGENT_LOG: log });
    expect(run.code, run.stderr).toBe(0);
    const session = (run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; session?: { id: string } }).find((event) => event.type === 'session-started')!).session!.id;
    expect(session).toMatch(/^\d{8}-\d{6}-/);
    expect(JSON.stringify(calls(log)[0])).toContain(`Write to notes/${session}.md`);
    // The prompt differs in each session: never taken from the cache.
    const again = runOrch(['run', 'log', '--json'], dir, { FAKE_AGENT_LOG: log });
    expect(again.code, again.stderr).toBe(0);
    expect(calls(log)).toHaveLength(2);
    expect(JSON.stringify(calls(log)[1])).not.toContain(`Write to notes/${session}.md`);
    const shown = runOrch(['show', 'log', '--render'], dir);
    expect(shown.stdout).toBe('Write to notes/${CLAUDE_SESSION_ID}.md\n\n');
    expect(shown.stderr).toContain("note: ${CLAUDE_SESSION_ID} is left as written: there is no session here (orch run gives it the run's session id)");
  });
});
