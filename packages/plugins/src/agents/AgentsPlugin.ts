import { resolve } from 'node:path';
import { definePlugin, didYouMean, type AgentDefinition, type CommandRegistry } from '@orch/engine';
import { readMarkdownText } from '../markdown/decodeText.js';
import { mappingNotText, normaliseAllowedTools } from '../markdown/normaliseFrontMatter.js';
import { parseMarkdownFile } from '../markdown/parseMarkdownFile.js';
import { walkMarkdownTree } from '../markdown/walkMarkdownTree.js';

const PLUGIN_NAME = 'orch:agents';

/**
 * Discovers agent roles in `.claude/agents/*.md` (name, description, tools, model, and the
 * body as system prompt), and checks that every role a command names is defined. Two agents of
 * one name are a warning, as Claude Code takes one and goes on, unless a command uses that name:
 * then which definition it gets is a guess, an error of that agent (issue 12).
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
        const users = new Map<string, string[]>();
        for (const command of registry.commands.values()) {
          for (const [index, role] of command.metadata.agents.entries()) {
            if (users.has(role)) users.get(role)!.push(command.id);
            else users.set(role, [command.id]);
            if (registry.agents.has(role)) continue;
            const location = command.frontMatter?.locate(['agents', index]) ?? command.location;
            const hint = didYouMean(role, registry.agents.keys()) ?? `define it in ${engine.config.agentsDir.replace(/\/$/, '')}/${role}.md`;
            registry.report({ severity: 'error', code: 'agents/unknown-role', message: `${command.id}: agent role '${role}' has no definition`, location, hint, owner: { kind: 'command', id: command.id } });
          }
        }
        for (const diagnostic of registry.diagnostics) {
          if (diagnostic.code !== 'agent/duplicate-name' || diagnostic.owner?.kind !== 'agent') continue;
          const used = users.get(diagnostic.owner.name);
          if (!used) continue;
          diagnostic.severity = 'error';
          diagnostic.message = `duplicate agent '${diagnostic.owner.name}', used by ${used.slice(0, 3).join(', ')}${used.length > 3 ? ` and ${used.length - 3} more` : ''}`;
          diagnostic.hint = 'rename or remove one of the definitions; until then the commands that use it do not run';
        }
      });
    },
  });
}

async function readAgent(path: string, fileId: string, registry: CommandRegistry): Promise<AgentDefinition | undefined> {
  const decoded = await readMarkdownText(path);
  if ('diagnostic' in decoded) {
    registry.report(decoded.diagnostic);
    return undefined;
  }
  const parsed = parseMarkdownFile(path, decoded.text);
  registry.diagnostics.push(...parsed.diagnostics);
  const { frontMatter } = parsed;
  const data = frontMatter.data;
  const text = (key: string): string | undefined => {
    const value = data[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) registry.report(mappingNotText(frontMatter, key, 'warning', key === 'name' ? `; the agent is named '${fileId}' after its file` : '; ignored'));
    return undefined;
  };
  const tools = data.tools;
  const [name, description, model] = [text('name'), text('description'), text('model')];
  return {
    name: name ?? fileId,
    body: parsed.body,
    location: name === undefined ? { file: path, line: 1, column: 1 } : frontMatter.locate(['name']),
    ...(description === undefined ? {} : { description }),
    ...(model === undefined ? {} : { model }),
    ...(typeof tools === 'string' || Array.isArray(tools) ? { tools: normaliseAllowedTools(tools as string | string[]) } : {}),
  };
}
