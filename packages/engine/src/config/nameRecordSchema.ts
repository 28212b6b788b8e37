import * as v from 'valibot';

type Dataset = { value: unknown; typed?: boolean; issues?: v.BaseIssue<unknown>[] };
type Run = (dataset: Dataset, config: v.Config<v.BaseIssue<unknown>>) => Dataset;

/**
 * `v.record(key, value)` for maps keyed by names people write (commands, workflows, targets,
 * gates, resources, env values). valibot's record skips the keys `__proto__`, `prototype` and
 * `constructor` without a word (a guard against prototype pollution), so a config command named
 * `constructor` vanished (issue 12 findings, #3). Here every own key is validated and kept, and
 * the output has no prototype, so no name reaches `Object.prototype`. Issues carry the same
 * paths as valibot's own record.
 */
export function nameRecordSchema<TKey extends v.GenericSchema<string, string | number | symbol>, TValue extends v.GenericSchema>(key: TKey, value: TValue): ReturnType<typeof v.record<TKey, TValue>> {
  const base = v.record(key, value);
  const run: Run = (dataset, config) => {
    const input = dataset.value;
    if (typeof input !== 'object' || input === null) return (base['~run'] as unknown as Run)(dataset, config);
    const output: Record<string, unknown> = Object.create(null);
    dataset.typed = true;
    for (const entryKey of Object.keys(input)) {
      const entryValue = (input as Record<string, unknown>)[entryKey];
      const keyDataset = (key['~run'] as unknown as Run)({ value: entryKey }, config);
      const valueDataset = (value['~run'] as unknown as Run)({ value: entryValue }, config);
      for (const [origin, part] of [['key', keyDataset], ['value', valueDataset]] as const) {
        for (const issue of part.issues ?? []) {
          const item = { type: 'object', origin, input, key: entryKey, value: entryValue } as unknown as NonNullable<v.BaseIssue<unknown>['path']>[number];
          (issue as { path?: unknown[] }).path = origin === 'key' ? [item] : [item, ...(issue.path ?? [])];
          (dataset.issues ??= []).push(issue);
        }
      }
      if (!keyDataset.typed || !valueDataset.typed) dataset.typed = false;
      if (keyDataset.typed) output[keyDataset.value as string] = valueDataset.value;
    }
    dataset.value = output;
    return dataset;
  };
  return { ...base, '~run': run } as unknown as ReturnType<typeof v.record<TKey, TValue>>;
}
