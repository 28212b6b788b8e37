// orch-gate-bundle-size: a third-party gate for orch, written the way any team would write
// one. After a task runs, it measures the files the task built (globs, relative to the task's
// folder) and fails the task when one is larger than `maxKb`.
//
//   plugins: [['orch-gate-bundle-size', { maxKb: 64, files: ['dist/**/*.js'] }]]
//
// Per command, front matter or config `gates: { orch-gate-bundle-size: { options: { maxKb: 8 } } }`
// overrides the defaults; `false` turns it off.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defineGate } from '@orch/engine';
import { glob } from 'tinyglobby';
import * as v from 'valibot';

export const NAME = 'orch-gate-bundle-size';

export const optionsSchema = v.strictObject({
  maxKb: v.pipe(v.number(), v.minValue(0)),
  files: v.optional(v.array(v.string())),
});

/** @param {{ maxKb: number, files?: string[] }} options */
export default function bundleSizeGate(options) {
  const checked = v.safeParse(optionsSchema, options ?? {});
  if (!checked.success) {
    const issue = checked.issues[0];
    const path = (issue.path ?? []).map((item) => item.key).join('.');
    throw new Error(`${path ? `${path}: ` : ''}${issue.message}`);
  }
  return defineGate({
    name: NAME,
    stage: 'post',
    description: 'built files stay under a size limit',
    options: optionsSchema,
    defaults: { files: ['dist/**/*.js'], ...checked.output },
    async check({ task, options }) {
      const folder = task.command.kind === 'script' ? dirname(task.command.location.file) : task.root;
      const files = await glob(options.files ?? ['dist/**/*.js'], { cwd: folder, onlyFiles: true });
      if (files.length === 0) return { status: 'pass', message: 'no built files to measure' };
      const sizes = await Promise.all(files.sort().map(async (file) => ({ file, kb: (await stat(join(folder, file))).size / 1024 })));
      const over = sizes.filter((entry) => entry.kb > options.maxKb);
      const details = Object.fromEntries(sizes.map((entry) => [entry.file, Number(entry.kb.toFixed(2))]));
      if (over.length > 0) {
        return { status: 'fail', message: over.map((entry) => `${entry.file} is ${entry.kb.toFixed(1)} KB, above ${options.maxKb} KB`).join('; '), details };
      }
      const largest = sizes.reduce((a, b) => (b.kb > a.kb ? b : a));
      return { status: 'pass', message: `${sizes.length} file${sizes.length === 1 ? '' : 's'}, largest ${largest.file} ${largest.kb.toFixed(1)} KB (limit ${options.maxKb} KB)`, details };
    },
  });
}
