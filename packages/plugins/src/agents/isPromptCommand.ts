import type { CommandDefinition } from '@orch/engine';

/**
 * Whether a command is a prompt for an agent: a markdown command with no `module` and no `run`
 * steps (the deploy stage gives those to the `node` and `shell` executors; their body is never
 * rendered).
 */
export function isPromptCommand(command: Pick<CommandDefinition, 'kind' | 'metadata' | 'steps'>): boolean {
  return command.kind === 'markdown' && !command.metadata.module && !command.steps.some((step) => step.run !== undefined);
}
