import { defineGate } from '@orch/engine';
import * as v from 'valibot';

/**
 * Pre-execution: commands say what they do. By default a missing description is a warning for
 * markdown commands, config commands and workflows (package scripts have none); `strict: true`
 * makes it a failure; `require` adds keys (`argument-hint`, `when_to_use`, `complexity`).
 */
export function documentationGate() {
  return defineGate<{ strict?: boolean; require?: string[]; kinds?: string[] }>({
    name: 'orch:documentation',
    stage: 'pre',
    description: 'commands have a description (and other keys you require)',
    options: v.strictObject({ strict: v.optional(v.boolean()), require: v.optional(v.array(v.string())), kinds: v.optional(v.array(v.picklist(['markdown', 'config', 'workflow', 'script']))) }),
    check({ task, options }) {
      const kinds = options.kinds ?? ['markdown', 'config', 'workflow'];
      if (!kinds.includes(task.command.kind)) return { status: 'pass', message: `not required for ${task.command.kind} commands` };
      const { metadata } = task.command;
      // The body's first line describes a command in `orch list`, but is not a written description.
      const present: Record<string, unknown> = { description: metadata.descriptionFromBody ? undefined : metadata.description, 'argument-hint': metadata.argumentHint, when_to_use: metadata.whenToUse, complexity: metadata.complexity, ...metadata.extra };
      const missing = ['description', ...(options.require ?? [])].filter((key) => present[key] === undefined || present[key] === '');
      if (missing.length === 0) return { status: 'pass', message: 'documented' };
      return { status: options.strict ? 'fail' : 'warn', message: `missing ${missing.join(', ')} in ${task.command.location.file}` };
    },
  });
}
