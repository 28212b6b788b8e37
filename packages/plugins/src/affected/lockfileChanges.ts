import { readLockfileClosures, type LockfileName, type ResolvedClosure } from '../lockfile/lockfileClosures.js';

/** Per package folder (`.` for the root): the resolved dependencies that differ, as `lodash 4.17.20 -> 4.17.21`. */
export type LockfileDiff = Map<string, string[]>;

/**
 * Which workspace packages a lockfile change touches: a folder is touched when its resolved
 * closure (`readLockfileClosures`, the same the task hash uses) differs, in a version or in the
 * integrity recorded for one. Throws when either side does not parse (the caller falls back to
 * "every package").
 */
export function diffLockfile(file: LockfileName, before: string | undefined, after: string | undefined): LockfileDiff {
  const old = before === undefined ? undefined : readLockfileClosures(file, before);
  const now = after === undefined ? undefined : readLockfileClosures(file, after);
  const diff: LockfileDiff = new Map();
  for (const folder of new Set([...(old?.folders ?? []), ...(now?.folders ?? [])])) {
    const changes = describeChanges(old?.closure(folder) ?? new Map(), now?.closure(folder) ?? new Map());
    if (changes.length > 0) diff.set(folder, changes);
  }
  return diff;
}

function describeChanges(old: ResolvedClosure, now: ResolvedClosure): string[] {
  const changes: string[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = [...(old.get(name)?.keys() ?? [])].sort().join(', ');
    const b = [...(now.get(name)?.keys() ?? [])].sort().join(', ');
    if (a !== b) changes.push(`${name} ${a || '(none)'} -> ${b || '(removed)'}`);
    else if ([...(now.get(name) ?? [])].some(([version, integrity]) => old.get(name)?.get(version) !== integrity)) changes.push(`${name} ${b} (integrity changed)`);
  }
  return changes;
}
