import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { OrchError, type AllowedTools, type CommandDefinition } from '@orch/engine';

const run = promisify(execFile);

export interface RenderOptions {
  root: string;
  args: readonly string[];
  /** The number of the first argument for `$N`. Default 1 (`$1` is the first). */
  positionalBase?: 0 | 1;
  /** The index of the first argument for `$ARGUMENTS[N]`. Default 0. */
  indexBase?: 0 | 1;
  signal?: AbortSignal;
  /** The environment `` !`cmd` `` lines run with (the task's). Default: orch's own. */
  env?: Record<string, string>;
}

/** Whether a command's allowed tools let it run shell commands (`all`, `Bash`, `Bash(...)`). */
export function allowsBash(tools: AllowedTools | undefined): boolean {
  return tools === 'all' || (Array.isArray(tools) && tools.some((tool) => tool === 'Bash' || tool.startsWith('Bash(')));
}

/**
 * The prompt of a markdown command as the agent will see it, in this order: `$ARGUMENTS` (all
 * arguments), `$ARGUMENTS[N]` and `$N` (one); `@path` includes (relative to the command's folder, then the
 * root; `_shared` partials are included this way; missing paths are left as written), and
 * `` !`cmd` `` replaced by the command's output, only when `allowed-tools` allows Bash.
 */
export async function renderPrompt(command: CommandDefinition, options: RenderOptions): Promise<string> {
  const body = command.body ?? '';
  const args = options.args;
  const positionalBase = options.positionalBase ?? 1;
  const indexBase = options.indexBase ?? 0;
  const commandDir = dirname(command.location.file);

  let text = body
    .replace(/\$ARGUMENTS\[(\d+)\]/g, (_, n: string) => args[Number(n) - indexBase] ?? '')
    .replace(/\$ARGUMENTS\b/g, args.join(' '))
    .replace(/\$(\d+)\b/g, (_, n: string) => args[Number(n) - positionalBase] ?? '');

  text = text.replace(/@([\w./-]*[\w/-])(?=[\s,;:).!?]|$)/g, (whole, path: string) => {
    for (const base of [commandDir, options.root]) {
      const file = resolve(base, path);
      const inside = !relative(options.root, file).startsWith('..') && !isAbsolute(relative(options.root, file));
      if (inside && existsSync(file) && !file.endsWith('/')) {
        try {
          return readFileSync(file, 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '').trimEnd();
        } catch {
          return whole;
        }
      }
    }
    return whole;
  });

  const commands = [...text.matchAll(/!`([^`]+)`/g)];
  if (commands.length > 0) {
    if (!allowsBash(command.metadata.allowedTools)) {
      throw new OrchError('prompt-invalid', `${command.id}: the prompt runs \`${commands[0]![1]}\` with !\`…\`, but allowed-tools does not allow Bash`, {
        hint: 'add Bash (or Bash(<command>:*)) to allowed-tools, or remove the !`…` substitution',
      });
    }
    const outputs = await Promise.all(
      commands.map(async (match) => {
        try {
          const { stdout } = await run('/bin/sh', ['-c', match[1]!], { cwd: options.root, maxBuffer: 16 * 1024 * 1024, ...(options.signal ? { signal: options.signal } : {}), ...(options.env ? { env: options.env } : {}) });
          return stdout.trimEnd();
        } catch (error) {
          throw new OrchError('prompt-invalid', `${command.id}: !\`${match[1]}\` failed: ${(error as Error).message.split('\n')[0]}`, { cause: error });
        }
      }),
    );
    let index = 0;
    text = text.replace(/!`([^`]+)`/g, () => outputs[index++]!);
  }
  return text;
}
