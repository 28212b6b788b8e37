import { spawn } from 'node:child_process';
import { definePlugin, isOrchError, type AgentResult, type Engine, type TaskContext } from '@orch/engine';
import { inheritedEnvironment } from '../environment/selectTaskEnvironment.js';
import { taskEnvironment } from '../executors/taskEnvironment.js';
import { superviseProcess } from '../process/superviseProcess.js';
import { agentAdapter, type AgentAdapter, type AgentInvocation } from './agentAdapters.js';
import { agentCredentialEnv } from './agentCredentialEnv.js';
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
          // `!`cmd`` lines are the command author's shell: the task's environment, not the agent's credentials.
          const rendered = await renderPrompt(task.command, { root: task.root, args: task.args, ...engine.config.prompt, signal: task.signal, env: taskEnvironment(engine, task, task.root) });
          for (const note of rendered.notes) task.output('stderr', `warning: ${note}\n`);
          prompt = rendered.text;
        } catch (error) {
          const message = isOrchError(error) ? error.message : String(error);
          task.output('stderr', `${message}\n`);
          return { exitCode: 1, durationMs: performance.now() - started, message };
        }
        const adapter = agentAdapter(engine.config.agent);
        const roles = task.command.metadata.agents.length > 0 ? task.command.metadata.agents : [forkedAgent(task) ?? 'default'];
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

/**
 * Claude Code's `context: fork` with `agent: <name>` runs the command as that subagent: orch runs
 * it as that agent role when `.claude/agents/<name>.md` defines it (Claude Code's built-in agents,
 * such as Explore, have no definition here: the default agent runs it).
 */
function forkedAgent(task: TaskContext): string | undefined {
  const { context, agent } = task.command.metadata.extra;
  return context === 'fork' && typeof agent === 'string' && task.agents.has(agent) ? agent : undefined;
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
  const label = role === 'default' ? '' : `[${role}] `;
  const finish = (result: Omit<AgentResult, 'role' | 'durationMs'>): AgentResult => {
    const agent: AgentResult = { role, durationMs: performance.now() - started, ...result };
    engine.emit({ type: 'agent-finished', id: task.id, agent });
    if (agent.result) task.output('stdout', `${label}${agent.result.trimEnd()}\n`);
    return agent;
  };
  const child = spawn(adapter.command, adapter.args(invocation), {
    cwd: task.root,
    env: { ...agentEnvironment(engine, task), ORCH_AGENT_ROLE: role },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
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
  if (error) return finish({ ok: false, failure: 'error', message: error.message });
  if (task.signal.aborted) return finish({ ok: false, failure: 'stopped', message: 'stopped', exitCode: code ?? 1 });
  if (overflow) return finish({ ok: false, failure: 'non-json', exitCode: code ?? 1, message: `the agent CLI printed more than ${AGENT_STDOUT_LIMIT / 1024 / 1024} M characters on stdout; no result is read from that much` });
  return finish(adapter.parse(stdout, code ?? 1));
}
