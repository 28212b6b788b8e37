import { defineGate, nameTable, ownValue } from '@orch/engine';
import * as v from 'valibot';

/**
 * Pre-execution: commands say what they do. By default a missing description is a warning for
 * markdown commands, config commands and workflows (package scripts have none); `strict: true`
 * makes it a failure; `require` adds keys (`argument-hint`, `when_to_use`, `complexity`). A
 * markdown command without `description` is described by its body's first line, as Claude Code
 * and `orch list` describe it: that counts (issue 12 findings, #13).
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
      // The body's first line is the description when none is written, as in Claude Code and `orch list`.
      const present = nameTable<unknown>([...Object.entries(metadata.extra), ['description', metadata.description], ['argument-hint', metadata.argumentHint], ['when_to_use', metadata.whenToUse], ['complexity', metadata.complexity]]);
      const missing = ['description', ...(options.require ?? [])].filter((key) => ownValue(present, key) === undefined || ownValue(present, key) === '');
      if (missing.length === 0) return { status: 'pass', message: metadata.descriptionFromBody ? "documented (the description is the body's first line)" : 'documented' };
      return { status: options.strict ? 'fail' : 'warn', message: `missing ${missing.join(', ')} in ${task.command.location.file}` };
    },
  });
}
