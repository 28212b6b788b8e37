import { isAbsolute, relative, resolve } from 'node:path';
import { defineGate, type TaskContext } from '@orch/engine';
import * as v from 'valibot';
import { promptTokens } from '../markdown/promptTokens.js';

/** Shell patterns that destroy or expose a machine, each with what it is. */
const DANGEROUS: [RegExp, string][] = [
  [/\brm\s+(-[a-zA-Z]*[rR][a-zA-Z]*\s+|--recursive\s+)*(-[a-zA-Z]*\s+)*(\/|~|\$HOME|\$\{HOME\})(\/\*?)?(\s|;|&|\||$)/, 'recursive delete of / or ~'],
  [/\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/, 'piping a download into a shell'],
  [/:\(\)\s*\{\s*:\|:&\s*\};:/, 'fork bomb'],
  [/\bmkfs(\.\w+)?\s/, 'formatting a file system'],
  [/\bdd\b[^;&|]*\bof=\/dev\/(sd|nvme|hd|xvd)/, 'writing to a raw disk'],
  [/\bchmod\s+(-R\s+)?777\s+\/(\s|$)/, 'opening / to everyone'],
];

/** Files a step writes with `>`/`>>` or `tee`, to check they stay in the repository. */
const WRITES = /(?:>>?|\btee\s+(?:-a\s+)?)\s*(["']?)([~/$][^\s;&|"']*)\1/g;
const HARMLESS_TARGETS = /^(\/dev\/(null|stdout|stderr|tty)|\/tmp\/|\$TMPDIR|\$\{TMPDIR\})/;

/**
 * Pre-execution safety: dangerous shell patterns in a task's steps (and in the `!` commands of
 * a prompt), writes outside the repository, and the allowed-tools policy (`allowAll: false`
 * refuses the word `allowed-tools: all`, which, being no Claude Code tool, grants nothing;
 * `forbidTools` lists tools no command may allow).
 */
export function safetyGate() {
  return defineGate<{ allowAll?: boolean; forbidTools?: string[]; allowWritesTo?: string[] }>({
    name: 'orch:safety',
    stage: 'pre',
    description: 'no dangerous shell patterns, no writes outside the repository, allowed-tools policy',
    options: v.strictObject({ allowAll: v.optional(v.boolean()), forbidTools: v.optional(v.array(v.string())), allowWritesTo: v.optional(v.array(v.string())) }),
    // What it reads of a task: its command lines and allowed tools (and the root, for writes).
    definitionKey: (task) => JSON.stringify([task.root, commandLines(task), task.command.metadata.allowedTools ?? null]),
    check({ task, options }) {
      const problems: string[] = [];
      for (const line of commandLines(task)) {
        for (const [pattern, what] of DANGEROUS) if (pattern.test(line)) problems.push(`${what}: \`${line.trim()}\``);
        for (const match of line.matchAll(WRITES)) {
          const target = match[2]!;
          if (HARMLESS_TARGETS.test(target) || (options.allowWritesTo ?? []).some((prefix) => target.startsWith(prefix))) continue;
          const absolute = target.startsWith('~') || target.startsWith('$') ? target : resolve(task.root, target);
          const inside = !absolute.startsWith('~') && !absolute.startsWith('$') && !relative(task.root, absolute).startsWith('..') && !isAbsolute(relative(task.root, absolute));
          if (!inside) problems.push(`writes outside the repository (${target}): \`${line.trim()}\``);
        }
      }
      const tools = task.command.metadata.allowedTools;
      if (tools === 'all' && options.allowAll === false) problems.push('allowed-tools: all is not allowed by the safety policy');
      if (Array.isArray(tools)) {
        for (const forbidden of options.forbidTools ?? []) if (tools.some((tool) => tool === forbidden || tool.startsWith(`${forbidden}(`))) problems.push(`allowed-tools grants ${forbidden}, which the policy forbids`);
      }
      if (problems.length > 0) return { status: 'fail', message: problems.join('; '), details: problems };
      return { status: 'pass', message: 'no unsafe patterns' };
    },
  });
}

function commandLines(task: TaskContext): string[] {
  const lines = task.command.steps.flatMap((step) => [step.run, step.compensate].filter((line): line is string => line !== undefined));
  // The prompt's shell lines, exactly those the renderer would run.
  for (const token of promptTokens(task.command.body ?? '', task.command.metadata.arguments)) if (token.kind === 'shell') lines.push(token.command);
  return lines;
}
