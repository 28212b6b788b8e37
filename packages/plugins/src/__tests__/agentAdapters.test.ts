import { describe, expect, it } from 'vitest';
import { agentAdapter } from '../agents/agentAdapters.js';

const invocation = { prompt: 'Fix it', systemPrompt: 'Be brief', model: 'm1', allowedTools: ['Read', 'Bash(git:*)'], maxTurns: 7 };

describe('agent adapters', () => {
  it('claude: flags, and success read from the result, not the exit code', () => {
    const claude = agentAdapter({ adapter: 'claude', command: '/opt/claude' });
    expect(claude.command).toBe('/opt/claude');
    // `claude -p` reads the prompt from stdin: no argument size limit (FINDINGS-12 #6).
    expect(claude.promptOnStdin).toBe(true);
    expect(claude.args(invocation)).toEqual(['-p', '--output-format', 'json', '--max-turns', '7', '--model', 'm1', '--append-system-prompt', 'Be brief', '--allowedTools', 'Read,Bash(git:*)']);
    const ok = claude.parse('some notice\n{"type":"result","subtype":"success","is_error":false,"result":"fixed","num_turns":2,"total_cost_usd":0.5,"session_id":"s1"}\n', 0);
    expect(ok).toEqual({ ok: true, result: 'fixed', turns: 2, costUsd: 0.5, sessionId: 's1', exitCode: 0 });
    expect(claude.parse('{"type":"result","subtype":"error_max_turns","num_turns":7}', 0)).toMatchObject({ ok: false, failure: 'max-turns' });
    expect(claude.parse('{"type":"result","subtype":"success","is_error":false}', 3)).toMatchObject({ ok: false, failure: 'exit-mismatch', exitCode: 3 });
    expect(claude.parse('not json', 0)).toMatchObject({ ok: false, failure: 'non-json' });
  });

  it('claude: Claude Code front matter it has flags for (disallowed-tools, effort, hooks) goes to the CLI', () => {
    const claude = agentAdapter({ adapter: 'claude' });
    const hooks = { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './check.sh' }] }] };
    const args = claude.args({ ...invocation, disallowedTools: ['Write', 'Bash(rm:*)'], effort: 'high', hooks });
    expect(args.slice(11)).toEqual(['--disallowedTools', 'Write,Bash(rm:*)', '--effort', 'high', '--settings', JSON.stringify({ hooks })]);
    expect(claude.args(invocation)).not.toContain('--effort');
  });

  it('codex: JSONL events, the last agent message is the result, an error event fails', () => {
    const codex = agentAdapter({ adapter: 'codex' });
    expect(codex.promptOnStdin).toBe(true);
    expect(codex.args(invocation)).toEqual(['exec', '--json', '--model', 'm1', '-']);
    const lines = ['{"type":"thread.started"}', '{"type":"item.completed","item":{"type":"agent_message","text":"all done"}}', '{"type":"turn.completed","usage":{}}'].join('\n');
    expect(codex.parse(lines, 0)).toEqual({ ok: true, result: 'all done', turns: 1, exitCode: 0 });
    expect(codex.parse('{"type":"turn.failed","error":{"message":"quota"}}', 1)).toMatchObject({ ok: false, failure: 'error', message: 'quota' });
  });

  it('gemini: the response, or its error', () => {
    const gemini = agentAdapter({ adapter: 'gemini' });
    expect(gemini.promptOnStdin).toBe(true);
    expect(gemini.args(invocation)).toEqual(['--output-format', 'json', '--model', 'm1']);
    expect(gemini.parse('{"response":"ok","stats":{}}', 0)).toEqual({ ok: true, result: 'ok', exitCode: 0 });
    expect(gemini.parse('{"error":{"message":"bad key"}}', 1)).toMatchObject({ ok: false, failure: 'error', message: 'bad key' });
  });

  it('generic: a template for any CLI; JSON with is_error is read, else the exit code', () => {
    const generic = agentAdapter({ adapter: 'generic', command: 'my-agent', args: ['--system', '{systemPrompt}', '--turns={maxTurns}', '--tools', '{allowedTools}', '{prompt}'] });
    expect(generic.promptOnStdin).toBe(false);
    expect(generic.args(invocation)).toEqual(['--system', 'Be brief', '--turns=7', '--tools', 'Read,Bash(git:*)', 'Fix it']);
    // Filled in one pass: a prompt holding `{model}` or `$&` stays as written.
    expect(generic.args({ ...invocation, prompt: 'use {model} and $& here' }).at(-1)).toBe('use {model} and $& here');
    // Without {prompt} in the template, the prompt goes to stdin.
    expect(agentAdapter({ adapter: 'generic', command: 'my-agent', args: ['--json'] }).promptOnStdin).toBe(true);
    expect(generic.parse('{"is_error":true,"result":"nope"}', 0)).toMatchObject({ ok: false, message: 'nope' });
    expect(generic.parse('plain answer', 0)).toMatchObject({ ok: true, result: 'plain answer' });
    expect(generic.parse('', 4)).toMatchObject({ ok: false, message: 'exited with code 4' });
  });
});
