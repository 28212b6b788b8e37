import * as v from 'valibot';

type Path = readonly (string | number)[];
const MAX_ROUNDS = 500;

/**
 * The schema's output for `raw` with every invalid part left out, so the checks that run on a
 * valid config (each `dependsOn` naming a task, `pkg#target` entries, plugins...) still run on
 * the rest: one wrong setting does not hide an unrelated problem elsewhere ("every problem at
 * once", findings 15 #17j). The value at each issue's path is removed and the rest parsed again;
 * where removing it is itself invalid (a required key), its parent goes. Undefined when nothing
 * valid is left. `raw` is not changed: each removal copies the objects on its path.
 */
export function keepValidParts<const S extends v.GenericSchema>(schema: S, raw: unknown, issues: readonly v.BaseIssue<unknown>[]): v.InferOutput<S> | undefined {
  const removed: Path[] = [];
  let value = raw;
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const path = removablePath(pending[0]!, removed);
    if (path.length === 0) return undefined;
    removed.push(path);
    value = withoutPath(value, path);
    const result = v.safeParse(schema, value);
    if (result.success) return result.output;
    pending = result.issues;
  }
  return undefined;
}

/** The issue's path, or the closest parent not removed before (removing it again made no progress). */
function removablePath(issue: v.BaseIssue<unknown>, removed: readonly Path[]): Path {
  let path: Path = (issue.path ?? []).map((item) => item.key as string | number);
  while (path.length > 0 && removed.some((done) => done.length === path.length && done.every((key, i) => key === path[i]))) path = path.slice(0, -1);
  return path;
}

/** `value` without the entry at `path`; the objects and lists on the way copied, the rest shared. */
function withoutPath(value: unknown, path: Path): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null) return value;
  const [key, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0) copy.splice(Number(key), 1);
    else copy[Number(key)] = withoutPath(copy[Number(key)], rest);
    return copy;
  }
  // Without a prototype: a key `__proto__` stays a key, as in the parsed file.
  const copy: Record<string | number, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, value);
  if (rest.length === 0) delete copy[key!];
  else copy[key!] = withoutPath(copy[key!], rest);
  return copy;
}
