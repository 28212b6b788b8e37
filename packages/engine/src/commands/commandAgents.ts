import type { CommandDefinition } from './CommandDefinition.js';

/**
 * The agent roles a command uses: those its `agents:` names or, when it names none, the one
 * Claude Code's `context: fork` with `agent: <name>` runs it as (Claude Code's skills
 * reference). Whether each is defined in `.claude/agents` is for the caller to check. Its
 * definition file is then part of what the command is made of: `orch affected` and the task
 * hash both count it.
 */
export function commandAgents(command: CommandDefinition): readonly string[] {
  if (command.metadata.agents.length > 0) return command.metadata.agents;
  const { context, agent } = command.metadata.extra;
  return context === 'fork' && typeof agent === 'string' && agent !== '' ? [agent] : [];
}
