import { isAbsolute, normalize } from 'node:path';
import { defineGate } from '@orch/engine';
import picomatch from 'picomatch';
import * as v from 'valibot';

/**
 * Pre-execution: the paths a task declares it creates (`outputs`) stay inside the repository
 * and, when `allow` is set, inside the allowed paths.
 */
export function fileCreationGate() {
  return defineGate<{ allow?: string[] }>({
    name: 'orch:file-creation',
    stage: 'pre',
    description: 'declared outputs stay inside the repository and the allowed paths',
    options: v.strictObject({ allow: v.optional(v.array(v.string())) }),
    definitionKey: (task) => JSON.stringify(task.command.metadata.outputs ?? []),
    check({ task, options }) {
      const outputs = task.command.metadata.outputs ?? [];
      const escaping = outputs.filter((glob) => {
        const path = glob.replace(/^!/, '');
        return isAbsolute(path) || normalize(path).split(/[\\/]/)[0] === '..';
      });
      if (escaping.length > 0) return { status: 'fail', message: `outputs outside the repository: ${escaping.join(', ')}` };
      if (options.allow && options.allow.length > 0) {
        const allowed = picomatch(options.allow);
        // An output is allowed when the folder it writes under (its glob's static base) is.
        const outside = outputs.filter((glob) => {
          const base = picomatch.scan(glob.replace(/^!/, '')).base || '.';
          return !allowed(base) && !allowed(`${base}/_`);
        });
        if (outside.length > 0) return { status: 'fail', message: `outputs outside the allowed paths (${options.allow.join(', ')}): ${outside.join(', ')}` };
      }
      return { status: 'pass', message: outputs.length === 0 ? 'no outputs declared' : `${outputs.length} declared output${outputs.length === 1 ? '' : 's'} allowed` };
    },
  });
}
