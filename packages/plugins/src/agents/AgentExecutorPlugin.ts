import { spawn } from 'node:child_process';
import { definePlugin, isOrchError, type AgentResult, type Engine, type TaskContext } from '@orch/engine';
import { superviseProcess } from '../process/superviseProcess.js';
import { agentAdapter, type AgentAdapter, type AgentInvocation } from './agentAdapters.js';
import { renderPrompt } from './renderPrompt.js';

const PLUGIN_NAME = 'orch:agent';

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
          prompt = await renderPrompt(task.command, { root: task.root, args: task.args, ...engine.config.prompt, signal: task.signal });
        } catch (error) {
          const message = isOrchError(error) ? error.message : String(error);
          task.output('stderr', `${message}\n`);
          return { exitCode: 1, durationMs: performance.now() - started, message };
        }
        const adapter = agentAdapter(engine.config.agent);
        const roles = task.command.metadata.agents.length > 0 ? task.command.metadata.agents : ['default'];
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

async function runAgent(engine: Engine, task: TaskContext, adapter: AgentAdapter, role: string, prompt: string): Promise<AgentResult> {
  const definition = role === 'default' ? undefined : task.agents.get(role);
  const model = definition?.model ?? task.command.metadata.model ?? engine.config.agent.model;
  const allowedTools = task.command.metadata.allowedTools ?? definition?.tools;
  const invocation: AgentInvocation = {
    prompt,
    maxTurns: task.profile?.maxTurns ?? 10,
    ...(definition?.body.trim() ? { systemPrompt: definition.body.trim() } : {}),
    ...(model ? { model } : {}),
    ...(allowedTools ? { allowedTools } : {}),
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
    env: { ...process.env, ...(engine.config.agent.env ?? {}), ORCH_TASK: task.id, ORCH_AGENT_ROLE: role },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => task.output('stderr', `${label}${chunk.toString('utf8')}`));
  const { code, error } = await superviseProcess(engine, task, child);
  if (error?.code === 'ENOENT') {
    return finish({ ok: false, failure: 'not-found', message: `the agent CLI '${adapter.command}' was not found; install it, or set agent.command (and agent.adapter) in orchestrator.config.ts` });
  }
  if (error) return finish({ ok: false, failure: 'error', message: error.message });
  if (task.signal.aborted) return finish({ ok: false, failure: 'stopped', message: 'stopped', exitCode: code ?? 1 });
  return finish(adapter.parse(stdout, code ?? 1));
}
