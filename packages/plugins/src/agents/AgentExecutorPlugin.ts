import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { agentsUsedBy, definePlugin, isOrchError, type AgentDefinition, type AgentResult, type Engine, type TaskContext } from '@orch/engine';
import { taskHasherFor } from '../cache/taskHasherFor.js';
import { inheritedEnvironment } from '../environment/selectTaskEnvironment.js';
import { taskEnvironment } from '../executors/taskEnvironment.js';
import { superviseProcess } from '../process/superviseProcess.js';
import { agentAdapter, type AgentAdapter, type AgentInvocation } from './agentAdapters.js';
import { agentCredentialEnv } from './agentCredentialEnv.js';
import { commandLineProblem, type CommandLineProblem } from './commandLineLimit.js';
import { renderPrompt } from './renderPrompt.js';

const PLUGIN_NAME = 'orch:agent';
/**
 * The most of an agent's stdout kept to read its result from (characters). An answer is a JSON
 * envelope far below this; past it the agent fails (`non-json`) instead of filling memory.
 */
export const AGENT_STDOUT_LIMIT = 32 * 1024 * 1024;

/**
 * The `agent` executor for markdown commands without `run:`: renders the prompt, then deploys
 * one headless agent CLI process per role in `agents:` (each with its definition from
 * `.claude/agents/<role>.md` as appended system prompt, its model and tools), all at once
 * (fan-out), and collects their results (fan-in). The task succeeds when every agent does.
 */
export function agentExecutorPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.execute.for('agent').tapPromise(PLUGIN_NAME, async (task) => {
        const started = performance.now();
        let prompt: string;
        try {
          // The `!`cmd`` lines' outputs the hash covers (run once, as the task): the agent gets what was hashed.
          const outputs = await taskHasherFor(engine, task).shellOutputs(task.id);
          const rendered = await renderPrompt(task.command, { root: task.root, args: task.args, ...engine.config.prompt, ...(outputs ? { outputs } : {}), ...(task.sessionId ? { sessionId: task.sessionId } : {}) });
          for (const note of rendered.notes) task.output('stderr', `warning: ${note}\n`);
          prompt = rendered.text;
        } catch (error) {
          const message = isOrchError(error) ? error.message : String(error);
          task.output('stderr', promptFailure(error, task.root));
          return { exitCode: 1, durationMs: performance.now() - started, message };
        }
        const adapter = agentAdapter(engine.config.agent);
        // An agent without a definition here (Claude Code's built-in Explore) is run by the default agent.
        const roles = agentsUsedBy(task.command).map((use) => (use.via === 'agents' || task.agents.has(use.name) ? use.name : 'default'));
        if (roles.length === 0) roles.push('default');
        const results = await Promise.all(roles.map((role) => runAgent(engine, task, adapter, role, prompt)));
        task.data.set('agents', results);
        const failed = results.filter((r) => !r.ok);
        const durationMs = performance.now() - started;
        if (failed.length === 0) return { exitCode: 0, durationMs };
        return { exitCode: 1, durationMs, message: failed.map((r) => `${r.role === 'default' ? 'agent' : `agent ${r.role}`}: ${r.message}`).join('; ') };
      });
    },
  });
}

/** Why a prompt could not be rendered, for the task's log: each place (`file:line:col`) with its hint. */
function promptFailure(error: unknown, root: string): string {
  if (!isOrchError(error)) return `${String(error)}\n`;
  if (error.diagnostics.length === 0) return `${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`;
  return error.diagnostics
    .map((d) => `${d.location ? `${relative(root, d.location.file)}:${d.location.line ?? 1}:${d.location.column ?? 1}: ` : ''}${d.message}\n${d.hint ? `  hint: ${d.hint}\n` : ''}`)
    .join('');
}

/**
 * What an agent CLI sees: the task's environment (the base set and what the command and config
 * declare, or everything in loose mode), its CLI's credentials (`agentCredentialEnv`, not
 * hashed), and `agent.env`'s fixed values (their names are hashed with the executor).
 */
function agentEnvironment(engine: Engine, task: TaskContext): Record<string, string> {
  const { agent } = engine.config;
  return taskEnvironment(engine, task, task.root, { passThrough: agentCredentialEnv(agent, inheritedEnvironment()), extra: agent.env ?? {} });
}

async function runAgent(engine: Engine, task: TaskContext, adapter: AgentAdapter, role: string, prompt: string): Promise<AgentResult> {
  const definition = role === 'default' ? undefined : task.agents.get(role);
  const model = definition?.model ?? task.command.metadata.model ?? engine.config.agent.model;
  const allowedTools = task.command.metadata.allowedTools ?? definition?.tools;
  const { disallowedTools, effort, hooks } = task.command.metadata;
  const invocation: AgentInvocation = {
    prompt,
    maxTurns: task.profile?.maxTurns ?? 10,
    ...(definition?.body.trim() ? { systemPrompt: definition.body.trim() } : {}),
    ...(model ? { model } : {}),
    ...(allowedTools ? { allowedTools } : {}),
    ...(disallowedTools ? { disallowedTools } : {}),
    ...(effort === undefined ? {} : { effort }),
    ...(hooks ? { hooks } : {}),
  };
  const started = performance.now();
  engine.emit({ type: 'agent-started', id: task.id, role, ...(model ? { model } : {}) });
  const label = role === 'default' ? '' : `[${role}] `;
  const finish = (result: Omit<AgentResult, 'role' | 'durationMs'>): AgentResult => {
    const agent: AgentResult = { role, ...(model ? { model } : {}), durationMs: performance.now() - started, ...result };
    engine.emit({ type: 'agent-finished', id: task.id, agent });
    if (agent.result) task.output('stdout', `${label}${agent.result.trimEnd()}\n`);
    return agent;
  };
  const args = adapter.args(invocation);
  const env = { ...agentEnvironment(engine, task), ORCH_AGENT_ROLE: role };
  const unstartable = commandLineProblem(args, env);
  if (unstartable) return finish({ ok: false, failure: 'error', message: commandLineFailure(unstartable, args, task, definition, adapter) });
  const child = spawn(adapter.command, args, { cwd: task.root, env, stdio: [adapter.promptOnStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  if (adapter.promptOnStdin && child.stdin) {
    // An agent that exits without reading it all closes the pipe: its result says what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(prompt);
  }
  let stdout = '';
  let overflow = false;
  // stdout is the agent's answer (JSON), kept up to a bound; stderr is the task's output.
  const output = (stream: 'stdout' | 'stderr', text: string): boolean => {
    if (stream === 'stderr') return task.output('stderr', `${label}${text}`);
    if (overflow) return true;
    stdout += text;
    if (stdout.length > AGENT_STDOUT_LIMIT) {
      overflow = true;
      stdout = '';
    }
    return true;
  };
  const { code, error } = await superviseProcess(engine, task, child, { output });
  if (error?.code === 'ENOENT') {
    return finish({ ok: false, failure: 'not-found', message: `the agent CLI '${adapter.command}' was not found; install it, or set agent.command (and agent.adapter) in orchestrator.config.ts` });
  }
  if (error?.code === 'E2BIG') return finish({ ok: false, failure: 'error', message: `the agent CLI could not be started: its arguments and environment are too large for this system (E2BIG)` });
  if (error) return finish({ ok: false, failure: 'error', message: error.message });
  if (task.signal.aborted) return finish({ ok: false, failure: 'stopped', message: 'stopped', exitCode: code ?? 1 });
  if (overflow) return finish({ ok: false, failure: 'non-json', exitCode: code ?? 1, message: `the agent CLI printed more than ${AGENT_STDOUT_LIMIT / 1024 / 1024} M characters on stdout; no result is read from that much` });
  return finish(adapter.parse(stdout, code ?? 1));
}

/**
 * Why the agent CLI cannot be started, naming what is too long (or holds a NUL) and where it
 * comes from: the prompt (from the command file), an agent's definition (its file), or another
 * argument.
 */
function commandLineFailure(problem: CommandLineProblem, args: readonly string[], task: TaskContext, definition: AgentDefinition | undefined, adapter: AgentAdapter): string {
  if (problem.index < 0) return `the agent CLI cannot be started: ${problem.why}`;
  const arg = args[problem.index]!;
  const file = (location: { file: string }): string => relative(task.root, location.file);
  if (definition && definition.body.trim() !== '' && arg.includes(definition.body.trim())) {
    return `${file(definition.location)}: the definition of agent ${definition.name} ${problem.why} (the ${adapter.name} CLI takes it as one argument); shorten it, or move long material into files the agent reads`;
  }
  if (!adapter.promptOnStdin && arg.includes(task.command.body?.trim() ?? '\0')) {
    return `${file(task.command.location)}: the prompt of ${task.id} ${problem.why} (agent.args passes it as an argument with {prompt}); write agent.args without {prompt}, and orch writes the prompt to the CLI's stdin`;
  }
  return `the agent CLI cannot be started: its argument ${problem.index + 1} ${problem.why}`;
}
