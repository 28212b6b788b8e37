import type { HashInputs } from './TaskHasher.js';

/** What differs between two sets of hash inputs, one phrase per change, for people. */
export function explainChanges(before: HashInputs | undefined, now: HashInputs): string[] {
  if (!before) return ['no previous run recorded'];
  const changes: string[] = [];
  const diffKeys = (a: Record<string, unknown>, b: Record<string, unknown>, describe: (key: string, kind: string) => string) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in a)) changes.push(describe(key, 'added'));
      else if (!(key in b)) changes.push(describe(key, 'removed'));
      else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changes.push(describe(key, 'changed'));
    }
  };
  if (before.orch !== now.orch) changes.push(`orch ${before.orch} -> ${now.orch}`);
  diffKeys(before.plugins, now.plugins, (key, kind) => `plugin ${key} ${kind}`);
  diffKeys(before.definition, now.definition, (key, kind) => (key === 'metadata' ? 'definition (metadata or steps) changed' : `definition ${key} ${kind}`));
  if (JSON.stringify(before.args) !== JSON.stringify(now.args)) changes.push(`arguments ${JSON.stringify(before.args)} -> ${JSON.stringify(now.args)}`);
  if (JSON.stringify(before.executor) !== JSON.stringify(now.executor)) changes.push('executor config changed');
  diffKeys(before.files, now.files, (key, kind) => `${kind}: ${key}`);
  diffKeys(before.env, now.env, (key) => `env ${key}`);
  diffKeys(before.dependencies, now.dependencies, (key, kind) => (kind === 'changed' ? `dependency ${key}` : `dependency ${key} ${kind}`));
  if (before.lockfile !== now.lockfile) changes.push('lockfile entries changed');
  return changes;
}
