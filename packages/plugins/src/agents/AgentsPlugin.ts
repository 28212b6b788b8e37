import { relative, resolve } from 'node:path';
import { agentsUsedBy, definePlugin, didYouMean, type AgentDefinition, type AgentUse, type CommandDefinition, type CommandRegistry, type Diagnostic } from '@orch/engine';
import { readMarkdownFile } from '../markdown/cachedMarkdown.js';
import { normaliseAllowedTools, notText } from '../markdown/normaliseFrontMatter.js';
import { walkMarkdownTree } from '../markdown/walkMarkdownTree.js';
import { WorkspaceCache } from '../state/WorkspaceCache.js';

const PLUGIN_NAME = 'orch:agents';

/**
 * Claude Code's built-in subagents (code.claude.com/docs/en/sub-agents): `agent: Explore` with
 * `context: fork` names one, which orch has no definition of; the default agent runs it.
 */
const CLAUDE_CODE_BUILT_IN_AGENTS = ['general-purpose', 'Explore', 'Plan', 'statusline-setup'];

/**
 * Discovers agent roles in `.claude/agents/*.md` (name, description, tools, model, and the
 * body as system prompt), and checks the agents every command uses (`agentsUsedBy`: its
 * `agents`, or Claude Code's `agent` with `context: fork`). A file without a description is not
 * an agent, as Claude Code loads none without one (a warning). Two agents of one name are a
 * warning, as Claude Code takes one and goes on, unless a command uses that name: then which
 * definition it gets is a guess, an error of that agent (issue 12). A role of `agents` that has
 * no definition is an error of the command; an `agent` that has none is a warning (the default
 * agent runs the command), and none at all for Claude Code's built-in agents.
 */
export function agentsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      /** Files read but not loaded as agents (no description), by the name they would have. */
      let notLoaded = new Map<string, string>();
      engine.hooks.discover.tapPromise(PLUGIN_NAME, async ({ root, config, registry }) => {
        const { files, diagnostics } = await walkMarkdownTree(resolve(root, config.agentsDir));
        registry.diagnostics.push(...diagnostics);
        notLoaded = new Map();
        const cache = WorkspaceCache.open(root, config.stateDir);
        const agents = await Promise.all(files.map((file) => readAgent(file.path, file.id, registry, notLoaded, cache)));
        for (const agent of agents) if (agent) registry.addAgent(agent);
        await cache.save();
      });

      engine.hooks.discovered.tap(PLUGIN_NAME, (registry) => {
        const users = new Map<string, string[]>();
        for (const command of registry.commands.values()) {
          for (const use of agentsUsedBy(command)) {
            if (users.has(use.name)) users.get(use.name)!.push(command.id);
            else users.set(use.name, [command.id]);
            if (registry.agents.has(use.name)) continue;
            const notLoadedFile = notLoaded.get(use.name);
            const undefinedAgent = unknownAgent(command, use, registry, notLoadedFile && relative(engine.config.root, notLoadedFile), engine.config.agentsDir);
            if (undefinedAgent) registry.report(undefinedAgent);
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

/**
 * A command's agent that has no definition: an error for a role of `agents` (there is no one to
 * run it), a warning for Claude Code's `agent` (the default agent runs the command), nothing for
 * Claude Code's built-in agents.
 */
function unknownAgent(command: CommandDefinition, use: AgentUse, registry: CommandRegistry, notLoadedFile: string | undefined, agentsDir: string): Diagnostic | undefined {
  if (use.via === 'agent' && CLAUDE_CODE_BUILT_IN_AGENTS.includes(use.name)) return undefined;
  const location = command.frontMatter?.locate(use.path) ?? command.location;
  const close = didYouMean(use.name, use.via === 'agent' ? [...registry.agents.keys(), ...CLAUDE_CODE_BUILT_IN_AGENTS] : registry.agents.keys());
  const define = `define it in ${agentsDir.replace(/\/$/, '')}/${use.name}.md (with a description)`;
  const hint = notLoadedFile ? `${notLoadedFile} has no description, so it is not an agent (Claude Code loads none without one): add description: to it` : (close ?? define);
  if (use.via === 'agents') return { severity: 'error', code: 'agents/unknown-role', message: `${command.id}: agent role '${use.name}' has no definition`, location, hint, owner: { kind: 'command', id: command.id } };
  return { severity: 'warning', code: 'agents/unknown-agent', message: `${command.id}: agent '${use.name}' (context: fork) has no definition; the default agent runs the command`, location, hint, owner: { kind: 'command', id: command.id } };
}

/**
 * One agent file read as Claude Code reads it. A file whose front matter reads but has no
 * description is not an agent (Claude Code requires `description`, and loads none without
 * one): a warning, and undefined. A file whose front matter cannot be read is still defined,
 * under its file name, so its errors stop the commands that use it. `model: inherit` is the
 * default model, as Claude Code reads it (no `--model inherit`).
 */
async function readAgent(path: string, fileId: string, registry: CommandRegistry, notLoaded: Map<string, string>, cache: WorkspaceCache): Promise<AgentDefinition | undefined> {
  const read = await readMarkdownFile(path, cache);
  if ('diagnostic' in read) {
    registry.report(read.diagnostic);
    return { name: fileId, body: '', location: { file: path, line: 1, column: 1 } };
  }
  const { parsed } = read;
  registry.diagnostics.push(...parsed.diagnostics);
  const { frontMatter } = parsed;
  const data = frontMatter.data;
  const text = (key: string): string | undefined => {
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value).trim() || undefined;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) registry.report(notText(frontMatter, key, value, 'warning', key === 'name' ? `; the agent is named '${fileId}' after its file` : '; ignored'));
    return undefined;
  };
  const tools = data.tools;
  const [name, description, model] = [text('name'), text('description'), text('model')];
  const unreadable = parsed.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  if (description === undefined && !unreadable) {
    const what = Object.keys(data).length === 0 ? 'no front matter' : 'no description';
    registry.report({
      severity: 'warning',
      code: 'agent/no-description',
      message: `${what}: Claude Code loads no agent without a description, so '${name ?? fileId}' is not defined`,
      location: { file: path, line: 1, column: 1 },
      hint: 'start the file with front matter: ---, name: <name>, description: <when to use it>, ---',
    });
    notLoaded.set(name ?? fileId, path);
    return undefined;
  }
  return {
    name: name ?? fileId,
    body: parsed.body,
    location: name === undefined ? { file: path, line: 1, column: 1 } : frontMatter.locate(['name']),
    ...(description === undefined ? {} : { description }),
    ...(model === undefined || model === 'inherit' ? {} : { model }),
    ...(typeof tools === 'string' || Array.isArray(tools) ? { tools: normaliseAllowedTools(tools as string | string[]) } : {}),
  };
}
