import { basename, resolve } from 'node:path';
import { definePlugin, type ClaudeCodeLayout, type CommandDefinition, type CommandRegistry, type Diagnostic, type DiscoveryContext } from '@orch/engine';
import { promptDiagnostics } from '../agents/promptDiagnostics.js';
import { WorkspaceCache } from '../state/WorkspaceCache.js';
import { workspaceProjectsFor } from '../workspace/workspaceProjectsFor.js';
import { bodyDescription } from './bodyDescription.js';
import { findClaudePlugins } from './claudePlugins.js';
import { resolveInclude } from './includedFiles.js';
import { normaliseFrontMatter } from './normaliseFrontMatter.js';
import type { ParsedMarkdown } from './parseMarkdownFile.js';
import { readMarkdownFile } from './cachedMarkdown.js';
import { bodyLocation, promptTokens } from './promptTokens.js';
import { walkMarkdownTree, type MarkdownFile } from './walkMarkdownTree.js';
import { walkSkills } from './walkSkills.js';

const PLUGIN_NAME = 'orch:markdown-commands';

/** Where Claude Code keeps a project's skills, at the root and in each workspace package. */
const SKILLS_DIR = '.claude/skills';

/** Files of one folder, read as commands or as skills, with the ids they get. */
interface Source {
  files: MarkdownFile[];
  diagnostics: Diagnostic[];
  layout: ClaudeCodeLayout;
  project?: string;
}

/**
 * Command source for Claude Code's command and skill trees, read as Claude Code reads them:
 *
 * - every `.md` file of the commands folders (`.claude/commands` by default) is a command whose
 *   id is its path without `.md`;
 * - every `.claude/skills/<name>/SKILL.md` is the command `<name>` (a skill and a command of the
 *   same name: the skill wins, as in Claude Code, and the command is a warning); a workspace
 *   package's `.claude/skills/<name>` is `<package>#<name>`;
 * - the `commands/` and `skills/` of the Claude Code plugins the project enables and holds
 *   (see `findClaudePlugins`) are `<plugin>:<name>`.
 *
 * Also the metadata stage (2) for these commands: front matter validated and normalised, and
 * the prompt checked (`promptDiagnostics`).
 */
export function markdownCommandsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discover.tapPromise(PLUGIN_NAME, async (context) => {
        const { registry } = context;
        // Read in parallel, register in a fixed order: skills, then commands (the first one wins a
        // duplicate id, every time).
        const { skills, commands, diagnostics } = await findSources(context);
        registry.diagnostics.push(...diagnostics);
        const cache = WorkspaceCache.open(context.root, context.config.stateDir);
        const read = await Promise.all([...skills, ...commands].map(async (source) => ({ source, commands: await Promise.all(source.files.map((file) => readCommand(file.path, file.id, registry, cache))) })));
        for (const { source, commands: found } of read) {
          registry.diagnostics.push(...source.diagnostics);
          for (const command of found) {
            if (!command) continue;
            const skill = registry.commands.get(command.id);
            if (source.layout.form === 'command' && skill?.layout?.form === 'skill') {
              registry.report({
                severity: 'warning',
                code: 'command/shadowed-by-skill',
                message: `the skill '${command.id}' is used instead of this command: a skill wins over a command of the same name, as in Claude Code (and over a folder '${command.id}/' of commands)`,
                location: command.location,
                hint: 'rename or remove one of them',
                related: [{ message: `the skill '${command.id}'`, location: skill.location }],
              });
              continue;
            }
            registry.addCommand({ ...command, layout: source.layout, ...(source.project ? { project: source.project } : {}) });
          }
        }
      });

      // After the metadata stage, which asked the kept command files for their places.
      engine.hooks.discovered.tapPromise(PLUGIN_NAME, () => WorkspaceCache.open(engine.config.root, engine.config.stateDir).save());

      engine.hooks.metadata.tap(PLUGIN_NAME, (command, registry) => {
        if (command.kind !== 'markdown' || !command.frontMatter) return command;
        const { metadata, dependencies, steps, diagnostics } = normaliseFrontMatter(command.frontMatter);
        registry.diagnostics.push(...diagnostics, ...missingHomeIncludes(command));
        // As Claude Code does: without a description (or with a blank one), the body's first line describes the command.
        const description = (metadata.description ?? '').trim() === '' ? bodyDescription(command.body) : undefined;
        const described = description === undefined ? metadata : { ...metadata, description, descriptionFromBody: true };
        const normalised = { ...command, metadata: sessionBound(command.body) && metadata.cache === undefined ? { ...described, cache: false } : described, dependencies, steps };
        // Refused `!`cmd`` lines and NULs: errors of this command now, not when its run reaches them.
        registry.diagnostics.push(...promptDiagnostics(normalised));
        return normalised;
      });
    },
  });
}

/** Every folder to read: the skills (root, packages, plugins) and the commands (folders, plugins). */
async function findSources(context: DiscoveryContext): Promise<{ skills: Source[]; commands: Source[]; diagnostics: Diagnostic[] }> {
  const { root, config } = context;
  const [{ projects }, claude] = await Promise.all([workspaceProjectsFor(context), findClaudePlugins(root)]);
  const prefixed = (prefix: string, found: { files: MarkdownFile[]; diagnostics: Diagnostic[] }) => ({ files: found.files.map((file) => ({ ...file, id: `${prefix}${file.id}` })), diagnostics: found.diagnostics });

  const skills: Promise<Source>[] = [
    walkSkills(resolve(root, SKILLS_DIR)).then((found) => ({ ...found, layout: { form: 'skill' as const } })),
    ...projects.filter((project) => project.root !== '.').map(async (project) => ({ ...prefixed(`${project.name}#`, await walkSkills(resolve(root, project.root, SKILLS_DIR))), layout: { form: 'skill' as const }, project: project.name })),
  ];
  const commands: Promise<Source>[] = config.commandsDirs.map(async (dir, index) => {
    const absolute = resolve(root, dir);
    const found = await walkMarkdownTree(absolute);
    const explicit = config.configFile !== undefined && (index > 0 || dir !== '.claude/commands');
    if (found.files.length === 0 && explicit && found.diagnostics.length === 0) {
      found.diagnostics.push({ severity: 'warning', code: 'commands/empty-folder', message: `commands folder '${dir}' has no commands`, location: { file: absolute } });
    }
    return { ...found, layout: { form: 'command' as const } };
  });
  for (const plugin of claude.plugins) {
    const layout = (form: 'command' | 'skill'): ClaudeCodeLayout => ({ form, plugin: { name: plugin.name, root: plugin.root } });
    for (const dir of plugin.skills) skills.push(walkSkills(dir).then((found) => ({ ...prefixed(`${plugin.name}:`, found), layout: layout('skill') })));
    for (const path of plugin.commands) {
      const found = path.endsWith('.md') ? Promise.resolve({ files: [{ path, id: basename(path, '.md') }], diagnostics: [] }) : walkMarkdownTree(path);
      commands.push(found.then((files) => ({ ...prefixed(`${plugin.name}:`, files), layout: layout('command') })));
    }
  }
  const [skillSources, commandSources] = await Promise.all([Promise.all(skills), Promise.all(commands)]);
  return { skills: skillSources, commands: commandSources, diagnostics: claude.diagnostics };
}

/**
 * A command for every file, even one that cannot be read: its problems are diagnostics of its
 * own file, so `orch run` refuses that command (saying why) and runs the others (issue 12).
 */
async function readCommand(path: string, id: string, registry: CommandRegistry, cache: WorkspaceCache): Promise<CommandDefinition> {
  const read = await readMarkdownFile(path, cache);
  let parsed: ParsedMarkdown | undefined;
  if ('diagnostic' in read) registry.report(read.diagnostic);
  else {
    parsed = read.parsed;
    registry.diagnostics.push(...parsed.diagnostics);
  }
  return {
    id,
    kind: 'markdown',
    source: PLUGIN_NAME,
    location: { file: path, line: 1, column: 1 },
    dependencies: [],
    metadata: { agents: [], extra: {} },
    steps: [],
    body: parsed?.body ?? '',
    bodyLine: parsed?.bodyLine ?? 1,
    ...(parsed ? { frontMatter: parsed.frontMatter } : {}),
  };
}

/**
 * Whether a prompt uses `${CLAUDE_SESSION_ID}`: what the agent gets then differs in each session,
 * so its result is never taken from the cache (as `cache: false`) unless the front matter says
 * `cache: true`.
 */
function sessionBound(body: string | undefined): boolean {
  return promptTokens(body ?? '').some((token) => token.kind === 'variable' && token.name === 'CLAUDE_SESSION_ID');
}

/** `@~/…` includes whose file is not there: a warning each, since the prompt will keep them as written. */
function missingHomeIncludes(command: CommandDefinition): Diagnostic[] {
  const body = command.body ?? '';
  const found: Diagnostic[] = [];
  for (const token of promptTokens(body)) {
    if (token.kind !== 'include' || !token.path.startsWith('~/')) continue;
    const target = resolveInclude(token.path, command.location.file, '/');
    if (target.kind !== 'home' || target.exists) continue;
    const location = bodyLocation(command, token.offset);
    found.push({ severity: 'warning', code: 'prompt/missing-include', message: `${command.id}: ${token.text} is not there (${target.file}); the prompt keeps it as written`, location, hint: 'create the file, or remove the include' });
  }
  return found;
}
