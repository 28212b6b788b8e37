import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { definePlugin, didYouMean, type AgentDefinition, type CommandRegistry } from '@orch/engine';
import { decodeText } from '../markdown/decodeText.js';
import { normaliseAllowedTools } from '../markdown/normaliseFrontMatter.js';
import { parseMarkdownFile } from '../markdown/parseMarkdownFile.js';
import { walkMarkdownTree } from '../markdown/walkMarkdownTree.js';

const PLUGIN_NAME = 'orch:agents';

/**
 * Discovers agent roles in `.claude/agents/*.md` (name, description, tools, model, and the
 * body as system prompt), and checks that every role a command names is defined.
 */
export function agentsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discover.tapPromise(PLUGIN_NAME, async ({ root, config, registry }) => {
        const { files, diagnostics } = await walkMarkdownTree(resolve(root, config.agentsDir));
        registry.diagnostics.push(...diagnostics);
        const agents = await Promise.all(files.map((file) => readAgent(file.path, file.id, registry)));
        for (const agent of agents) if (agent) registry.addAgent(agent);
      });

      engine.hooks.discovered.tap(PLUGIN_NAME, (registry) => {
        for (const command of registry.commands.values()) {
          for (const [index, role] of command.metadata.agents.entries()) {
            if (registry.agents.has(role)) continue;
            const location = command.frontMatter?.locate(['agents', index]) ?? command.location;
            const hint = didYouMean(role, registry.agents.keys()) ?? `define it in ${engine.config.agentsDir.replace(/\/$/, '')}/${role}.md`;
            registry.report({ severity: 'error', code: 'agents/unknown-role', message: `${command.id}: agent role '${role}' has no definition`, location, hint });
          }
        }
      });
    },
  });
}

async function readAgent(path: string, fileId: string, registry: CommandRegistry): Promise<AgentDefinition | undefined> {
  const decoded = decodeText(path, await readFile(path));
  if ('diagnostic' in decoded) {
    registry.report(decoded.diagnostic);
    return undefined;
  }
  const parsed = parseMarkdownFile(path, decoded.text);
  registry.diagnostics.push(...parsed.diagnostics);
  const data = parsed.frontMatter.data;
  const text = (key: string): string | undefined => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  const tools = data.tools;
  return {
    name: text('name') ?? fileId,
    body: parsed.body,
    location: { file: path, line: 1, column: 1 },
    ...(text('description') === undefined ? {} : { description: text('description')! }),
    ...(text('model') === undefined ? {} : { model: text('model')! }),
    ...(typeof tools === 'string' || Array.isArray(tools) ? { tools: normaliseAllowedTools(tools as string | string[]) } : {}),
  };
}
