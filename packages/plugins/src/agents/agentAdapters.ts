import type { AgentConfig, AgentResult, AllowedTools } from '@orch/engine';

/** What one agent process is asked to do. */
export interface AgentInvocation {
  prompt: string;
  systemPrompt?: string;
  model?: string;
  allowedTools?: AllowedTools;
  /** Tools the agent must not use (front matter `disallowed-tools`). */
  disallowedTools?: readonly string[];
  /** Reasoning effort (front matter `effort`). */
  effort?: string | number;
  /** Claude Code hooks for this run (front matter `hooks`). */
  hooks?: Record<string, unknown>;
  maxTurns: number;
}

type Parsed = Omit<AgentResult, 'role' | 'durationMs'>;

/** How to call one headless agent CLI and read its answer. */
export interface AgentAdapter {
  name: string;
  command: string;
  /**
   * True when the prompt is written to the CLI's stdin and is not among `args`: a prompt has no
   * size limit there, where one argument holds at most 128 KiB on Linux (E2BIG).
   */
  promptOnStdin: boolean;
  args(invocation: AgentInvocation): string[];
  /** Reads success from the parsed output, not from the exit code alone. */
  parse(stdout: string, exitCode: number): Parsed;
}

/** The last line of the output that is a JSON object (CLIs may print notices before it). */
function lastJson(stdout: string): Record<string, unknown> | undefined {
  const whole = stdout.trim();
  try {
    const value = JSON.parse(whole) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // line by line below
  }
  for (const line of whole.split('\n').reverse()) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not this line
    }
  }
  return undefined;
}

function notJson(stdout: string, exitCode: number): Parsed {
  const sample = stdout.trim().split('\n')[0]?.slice(0, 120) ?? '';
  return { ok: false, failure: 'non-json', exitCode, message: `the agent CLI printed no JSON result${sample ? ` (it printed: ${sample})` : ''}` };
}

/** A success envelope with a failing exit code is a failure: trust neither alone. */
function settle(parsed: Parsed, exitCode: number): Parsed {
  if (parsed.ok && exitCode !== 0) return { ...parsed, ok: false, failure: 'exit-mismatch', exitCode, message: `the agent CLI exited with code ${exitCode} although its result reported success` };
  return { ...parsed, exitCode };
}

const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const claude = (command: string): AgentAdapter => ({
  name: 'claude',
  command,
  // `claude -p` with no prompt argument reads the prompt from stdin (code.claude.com/docs/en/cli-reference).
  promptOnStdin: true,
  args: ({ systemPrompt, model, allowedTools, disallowedTools, effort, hooks, maxTurns }) => [
    '-p',
    '--output-format',
    'json',
    '--max-turns',
    String(maxTurns),
    ...(model ? ['--model', model] : []),
    ...(systemPrompt ? ['--append-system-prompt', systemPrompt] : []),
    ...(Array.isArray(allowedTools) && allowedTools.length > 0 ? ['--allowedTools', allowedTools.join(',')] : []),
    ...(disallowedTools && disallowedTools.length > 0 ? ['--disallowedTools', disallowedTools.join(',')] : []),
    ...(effort !== undefined ? ['--effort', String(effort)] : []),
    // Claude Code scopes a command's hooks to its run; here the run is the whole process.
    ...(hooks ? ['--settings', JSON.stringify({ hooks })] : []),
  ],
  parse(stdout, exitCode) {
    const json = lastJson(stdout);
    if (!json) return notJson(stdout, exitCode);
    const common = { result: text(json.result), costUsd: number(json.total_cost_usd ?? json.cost_usd), turns: number(json.num_turns), sessionId: text(json.session_id) };
    const defined = Object.fromEntries(Object.entries(common).filter(([, v]) => v !== undefined)) as Partial<Parsed>;
    if (json.subtype === 'error_max_turns') return settle({ ...defined, ok: false, failure: 'max-turns', message: `the agent ran out of turns (${common.turns ?? '?'})` }, exitCode);
    if (json.is_error === true || (typeof json.subtype === 'string' && json.subtype.startsWith('error'))) return settle({ ...defined, ok: false, failure: 'error', message: common.result ?? String(json.subtype) }, exitCode);
    return settle({ ...defined, ok: true }, exitCode);
  },
});

const codex = (command: string): AgentAdapter => ({
  name: 'codex',
  command,
  // `codex exec -` reads the prompt from stdin.
  promptOnStdin: true,
  args: ({ model }) => ['exec', '--json', ...(model ? ['--model', model] : []), '-'],
  parse(stdout, exitCode) {
    const events = stdout.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    if (events.length === 0) return notJson(stdout, exitCode);
    const failed = events.find((e) => /error|failed/.test(String(e.type)));
    const messages = events.map((e) => e.item as Record<string, unknown> | undefined).filter((item) => item?.type === 'agent_message');
    const result = text(messages.at(-1)?.text);
    if (failed) return settle({ ok: false, failure: 'error', message: text((failed.error as Record<string, unknown> | undefined)?.message) ?? text(failed.message) ?? String(failed.type), ...(result ? { result } : {}) }, exitCode);
    return settle({ ok: true, ...(result ? { result } : {}), turns: events.filter((e) => e.type === 'turn.completed').length }, exitCode);
  },
});

const gemini = (command: string): AgentAdapter => ({
  name: 'gemini',
  command,
  // Without a TTY, `gemini` runs headless and reads the prompt from stdin (geminicli.com/docs/cli/headless).
  promptOnStdin: true,
  args: ({ model }) => ['--output-format', 'json', ...(model ? ['--model', model] : [])],
  parse(stdout, exitCode) {
    const json = lastJson(stdout);
    if (!json) return notJson(stdout, exitCode);
    const error = json.error as Record<string, unknown> | undefined;
    if (error) return settle({ ok: false, failure: 'error', message: text(error.message) ?? 'the agent reported an error' }, exitCode);
    const result = text(json.response);
    return settle({ ok: true, ...(result ? { result } : {}) }, exitCode);
  },
});

/** `agent.args` with `{prompt}` put the prompt there; without it, orch writes it to stdin. */
const generic = (command: string, template: readonly string[]): AgentAdapter => ({
  name: 'generic',
  command,
  promptOnStdin: !template.some((arg) => arg.includes('{prompt}')),
  args: (invocation) => {
    const values: Record<string, string> = {
      prompt: invocation.prompt,
      systemPrompt: invocation.systemPrompt ?? '',
      model: invocation.model ?? '',
      maxTurns: String(invocation.maxTurns),
      allowedTools: Array.isArray(invocation.allowedTools) ? invocation.allowedTools.join(',') : 'all',
      disallowedTools: invocation.disallowedTools?.join(',') ?? '',
      effort: invocation.effort === undefined ? '' : String(invocation.effort),
    };
    // One pass: a value (a prompt holding `{model}` or `$&`) is never read again.
    return template.map((arg) => arg.replace(/\{(prompt|systemPrompt|model|maxTurns|allowedTools|disallowedTools|effort)\}/g, (_, name: string) => values[name]!));
  },
  parse(stdout, exitCode) {
    const json = lastJson(stdout);
    if (json && ('is_error' in json || 'error' in json)) {
      const failed = json.is_error === true || (json.error !== undefined && json.error !== null && json.error !== false);
      return settle({ ok: !failed, ...(failed ? { failure: 'error' as const, message: text(json.result) ?? text(json.error) ?? 'the agent reported an error' } : {}), ...(text(json.result) ? { result: text(json.result)! } : {}) }, exitCode);
    }
    return exitCode === 0 ? { ok: true, exitCode, result: stdout.trim() } : { ok: false, failure: 'error', exitCode, message: `exited with code ${exitCode}` };
  },
});

/** The adapter the config asks for. */
export function agentAdapter(config: AgentConfig): AgentAdapter {
  const adapter = config.adapter ?? 'claude';
  const command = config.command ?? adapter;
  switch (adapter) {
    case 'claude':
      return claude(command);
    case 'codex':
      return codex(command);
    case 'gemini':
      return gemini(command);
    case 'generic':
      return generic(command, config.args ?? ['{prompt}']);
  }
}
