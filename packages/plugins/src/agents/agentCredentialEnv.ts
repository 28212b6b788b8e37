import type { AgentConfig } from '@orch/engine';

/**
 * What each agent CLI reads to reach its model: its API keys, base URLs and settings, per the
 * CLIs' documentation. The cloud credentials of Bedrock and Vertex are given to Claude Code only
 * when it is told to use them (`CLAUDE_CODE_USE_BEDROCK`, `CLAUDE_CODE_USE_VERTEX`), so an agent
 * that can run commands is not handed AWS or Google credentials it does not use.
 */
const CREDENTIALS: Record<NonNullable<AgentConfig['adapter']>, { always: readonly string[]; when?: Record<string, readonly string[]> }> = {
  claude: {
    always: ['ANTHROPIC_*', 'CLAUDE_*', 'DISABLE_*', 'MCP_*'],
    when: {
      CLAUDE_CODE_USE_BEDROCK: ['AWS_*'],
      CLAUDE_CODE_USE_VERTEX: ['CLOUD_ML_REGION', 'VERTEX_REGION_*', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_*'],
    },
  },
  codex: { always: ['OPENAI_*', 'CODEX_*', 'AZURE_OPENAI_*'] },
  gemini: { always: ['GEMINI_*', 'GOOGLE_*'] },
  generic: { always: [] },
};

/**
 * The variables an agent task sees besides the base set and what the command declares:
 * the configured CLI's credentials (above). They are never hashed: a rotated key does not
 * change what a prompt asks for. `agent.env` adds fixed values on top; a `generic` CLI gets
 * what `passThroughEnv`/`globalPassThroughEnv` name.
 */
export function agentCredentialEnv(agent: AgentConfig, source: Readonly<Record<string, string | undefined>>): string[] {
  const { always, when = {} } = CREDENTIALS[agent.adapter ?? 'claude'];
  return [...always, ...Object.entries(when).flatMap(([switchName, patterns]) => (source[switchName] ? patterns : []))];
}
