import { resolve } from 'node:path';
import { definePlugin, type CommandDefinition, type CommandRegistry } from '@orch/engine';
import { readMarkdownText } from './decodeText.js';
import { normaliseFrontMatter } from './normaliseFrontMatter.js';
import { parseMarkdownFile, type ParsedMarkdown } from './parseMarkdownFile.js';
import { walkMarkdownTree } from './walkMarkdownTree.js';

const PLUGIN_NAME = 'orch:markdown-commands';

/**
 * Command source for markdown command trees (`.claude/commands` by default): each `.md` file
 * is a command whose id is its path without `.md`. Also the metadata stage (2) for these
 * commands: front matter validated and normalised.
 */
export function markdownCommandsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      engine.hooks.discover.tapPromise(PLUGIN_NAME, async ({ root, config, registry }) => {
        // Read in parallel, register in the order the folders are listed: the first one wins a
        // duplicate id, every time.
        const found = await Promise.all(
          config.commandsDirs.map(async (dir, index) => {
            const absolute = resolve(root, dir);
            const { files, diagnostics } = await walkMarkdownTree(absolute);
            const explicit = config.configFile !== undefined && (index > 0 || dir !== '.claude/commands');
            if (files.length === 0 && explicit && diagnostics.length === 0) {
              diagnostics.push({ severity: 'warning', code: 'commands/empty-folder', message: `commands folder '${dir}' has no commands`, location: { file: absolute } });
            }
            const commands = await Promise.all(files.map((file) => readCommand(file.path, file.id, registry)));
            return { commands, diagnostics };
          }),
        );
        for (const { commands, diagnostics } of found) {
          registry.diagnostics.push(...diagnostics);
          for (const command of commands) registry.addCommand(command);
        }
      });

      engine.hooks.metadata.tap(PLUGIN_NAME, (command, registry) => {
        if (command.kind !== 'markdown' || !command.frontMatter) return command;
        const { metadata, dependencies, steps, diagnostics } = normaliseFrontMatter(command.frontMatter);
        registry.diagnostics.push(...diagnostics);
        return { ...command, metadata, dependencies, steps };
      });
    },
  });
}

/**
 * A command for every file, even one that cannot be read: its problems are diagnostics of its
 * own file, so `orch run` refuses that command (saying why) and runs the others (issue 12).
 */
async function readCommand(path: string, id: string, registry: CommandRegistry): Promise<CommandDefinition> {
  const read = await readMarkdownText(path);
  let parsed: ParsedMarkdown | undefined;
  if ('diagnostic' in read) registry.report(read.diagnostic);
  else {
    parsed = parseMarkdownFile(path, read.text);
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
