import type { CommandDefinition } from './CommandDefinition.js';

/** One agent role a command uses, and where its front matter names it. */
export interface AgentUse {
  name: string;
  /** `agents` (orch's list of roles), or Claude Code's `agent` with `context: fork`. */
  via: 'agents' | 'agent';
  /** The key path that names it: `['agents', 0]` or `['agent']`. */
  path: (string | number)[];
}

/**
 * The agent roles a command uses, as the agent executor runs them: each role of `agents`; without
 * them, Claude Code's `agent: <name>` when `context: fork` (the command runs as that subagent;
 * code.claude.com/docs/en/skills). What a run reads and blocks on (the agents' files, a
 * duplicate name, a broken agent file), what `orch affected` and the hash count as the command's,
 * all follow from this one list (issue 12 findings, #5).
 */
export function agentsUsedBy(command: Pick<CommandDefinition, 'metadata'>): AgentUse[] {
  const { agents, extra } = command.metadata;
  if (agents.length > 0) return agents.map((name, index) => ({ name, via: 'agents', path: ['agents', index] }));
  const agent = Object.hasOwn(extra, 'agent') ? extra.agent : undefined;
  const context = Object.hasOwn(extra, 'context') ? extra.context : undefined;
  if (context === 'fork' && typeof agent === 'string' && agent.trim() !== '') return [{ name: agent.trim(), via: 'agent', path: ['agent'] }];
  return [];
}
