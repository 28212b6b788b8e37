import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineGate, type TaskOutputLog } from '@orch/engine';
import * as v from 'valibot';

const metric = v.strictObject({
  name: v.string(),
  /** A JSON file the task writes, and the dotted path of the figure in it (`total.lines.pct`). */
  file: v.optional(v.string()),
  path: v.optional(v.string()),
  /** Or a regular expression matched against each line of the task's output; the first group of the first match is the figure. */
  pattern: v.optional(v.string()),
  min: v.optional(v.number()),
  max: v.optional(v.number()),
});
type Metric = v.InferOutput<typeof metric>;

/**
 * Post-execution: thresholds on figures a task reports, read from a JSON file it writes or
 * from a line of its output. Opt-in: configure `metrics` for the commands that report them.
 */
export function qualityMetricsGate() {
  return defineGate<{ metrics: Metric[] }>({
    name: 'orch:quality-metrics',
    stage: 'post',
    optIn: true,
    description: 'figures the task reports meet their thresholds',
    options: v.strictObject({ metrics: v.array(metric) }),
    async check({ task, options, metrics }) {
      const problems: string[] = [];
      const read: string[] = [];
      for (const spec of options.metrics) {
        const value = await readMetric(spec, task.root, task.log);
        if (value === undefined) {
          problems.push(`${spec.name}: not found${spec.file ? ` in ${spec.file}${spec.path ? ` at ${spec.path}` : ''}` : spec.pattern ? ` in the output (/${spec.pattern}/)` : ''}`);
          continue;
        }
        metrics.set(spec.name, value);
        read.push(`${spec.name} ${value}`);
        if (spec.min !== undefined && value < spec.min) problems.push(`${spec.name} ${value} < ${spec.min}`);
        if (spec.max !== undefined && value > spec.max) problems.push(`${spec.name} ${value} > ${spec.max}`);
      }
      const details = Object.fromEntries(metrics);
      if (problems.length > 0) return { status: 'fail', message: problems.join('; '), details };
      return { status: 'pass', message: read.join(', '), details };
    },
  });
}

async function readMetric(spec: Metric, root: string, log: TaskOutputLog): Promise<number | undefined> {
  if (spec.file) {
    try {
      let value: unknown = JSON.parse(await readFile(resolve(root, spec.file), 'utf8'));
      for (const key of (spec.path ?? '').split('.').filter(Boolean)) value = (value as Record<string, unknown> | undefined)?.[key];
      return typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : undefined;
    } catch {
      return undefined;
    }
  }
  if (spec.pattern) {
    // Line by line from the log file: the output is never whole in memory, and reading stops at the first match.
    const pattern = new RegExp(spec.pattern);
    for await (const line of log.lines()) {
      const match = pattern.exec(line);
      if (match) return match[1] === undefined ? undefined : Number(match[1]);
    }
  }
  return undefined;
}
