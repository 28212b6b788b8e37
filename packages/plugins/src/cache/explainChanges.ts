import { ownValue } from '@orch/engine';
import { MISSING, type HashInputs } from './TaskHasher.js';

/**
 * Changes of hashed variables, by name: `env NODE_ENV changed`, `set` (was unset), `unset`, or
 * `now hashed`/`no longer hashed` when its declaration (or, in loose mode, its presence) changed.
 * Values are compared as their hashes and never shown.
 */
function envChanges(before: HashInputs['env'], now: HashInputs['env']): string[] {
  const changes: string[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    const [was, is] = [ownValue(before, name), ownValue(now, name)];
    if (was === is) continue;
    if (was === undefined) changes.push(`env ${name} now hashed (${is === null ? 'unset' : 'set'})`);
    else if (is === undefined) changes.push(`env ${name} no longer hashed`);
    else changes.push(`env ${name} ${was === null ? 'set' : is === null ? 'unset' : 'changed'}`);
  }
  return changes;
}

/**
 * What differs between two sets of hash inputs, one phrase per change, for people. `ignored`
 * lists the current input files that git ignores: their changes are marked `(ignored by git)`;
 * `linkedFrom` maps a file read through a symbolic link to the link: `(through the link x)`.
 */
export function explainChanges(before: HashInputs | undefined, now: HashInputs, ignored: readonly string[] = [], linkedFrom: Readonly<Record<string, string>> = {}): string[] {
  if (!before) return ['no previous run recorded'];
  const changes: string[] = [];
  const diffKeys = (a: Record<string, unknown> = {}, b: Record<string, unknown> = {}, describe: (key: string, kind: string) => string) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!Object.hasOwn(a, key)) changes.push(describe(key, 'added'));
      else if (!Object.hasOwn(b, key)) changes.push(describe(key, 'removed'));
      else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changes.push(describe(key, 'changed'));
    }
  };
  const marked = new Set(ignored);
  if (before.orch !== now.orch) changes.push(`orch ${before.orch} -> ${now.orch}`);
  diffKeys(before.plugins, now.plugins, (key, kind) => `plugin ${key} ${kind}`);
  diffKeys(before.definition, now.definition, (key, kind) => (key === 'metadata' ? 'definition (metadata or steps) changed' : `definition ${key} ${kind}`));
  if (JSON.stringify(before.args) !== JSON.stringify(now.args)) changes.push(`arguments ${JSON.stringify(before.args)} -> ${JSON.stringify(now.args)}`);
  if (JSON.stringify(before.executor) !== JSON.stringify(now.executor)) changes.push('executor config changed');
  // Records written before the config's settings were hashed have none; before modes, bare blob ids.
  if (before.config !== undefined) diffKeys(before.config, now.config, (key, kind) => `config ${key} ${kind}`);
  const bare = Object.values(before.files).some((id) => !id.includes(' '));
  if (bare) changes.push("file ids now carry git's file mode (the last run was recorded by an earlier orch)");
  diffKeys(bare ? blobsOf(before.files) : before.files, bare ? blobsOf(now.files) : now.files, (key, kind) => `${kind === 'changed' ? fileChange(before.files[key]!, now.files[key]!) : kind}: ${key}${marked.has(key) ? ' (ignored by git)' : ''}${linkedFrom[key] ? ` (through the link ${linkedFrom[key]})` : ''}`);
  // Records written before environment modes lack the mode and the pass-through patterns.
  if (before.envMode !== undefined && before.envMode !== now.envMode) changes.push(`env mode ${before.envMode} -> ${now.envMode}`);
  changes.push(...envChanges(before.env, now.env));
  if (before.passThroughEnv !== undefined && before.passThroughEnv.join() !== now.passThroughEnv.join()) changes.push(`pass-through env ${before.passThroughEnv.join(', ') || '(none)'} -> ${now.passThroughEnv.join(', ') || '(none)'}`);
  diffKeys(before.dependencies, now.dependencies, (key, kind) => (kind === 'changed' ? `dependency ${key}` : `dependency ${key} ${kind}`));
  // Records written before lockfile closures kept one digest; any difference is a change.
  if (typeof before.lockfile !== 'object' || typeof now.lockfile !== 'object') {
    if (JSON.stringify(before.lockfile) !== JSON.stringify(now.lockfile)) changes.push('lockfile entries changed');
  } else diffKeys(before.lockfile, now.lockfile, (key, kind) => describeLockfileChange(key, kind));
  diffKeys(before.workspaceDependencies, now.workspaceDependencies, (key, kind) =>
    ownValue(now.workspaceDependencies, key) === MISSING ? `workspace dependency ${key} is missing (deleted or renamed)` : kind === 'changed' ? `workspace dependency ${key} moved` : `workspace dependency ${key} ${kind}`,
  );
  diffKeys(before.transit, now.transit, (key, kind) => `transit package ${key} ${kind}: its files or resolved dependencies (a ^ dependency passes through it)`);
  return changes;
}

/** Content ids without their modes. */
function blobsOf(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, id]) => [path, id.slice(id.indexOf(' ') + 1)]));
}

/** `changed`, or `mode changed (100644 -> 100755)` when only git's mode differs (`chmod +x`). */
function fileChange(before: string, now: string): string {
  const [wasMode, wasBlob] = before.split(' ');
  const [isMode, isBlob] = now.split(' ');
  return wasBlob === isBlob && wasMode !== isMode && isBlob !== undefined ? `mode changed (${wasMode} -> ${isMode})` : 'changed';
}

/** `pnpm-lock.yaml#packages/c` → what it stands for. */
function describeLockfileChange(key: string, kind: string): string {
  if (key === 'package.json#dependencies') return `root package.json dependencies ${kind}`;
  const [file, folder] = key.split('#');
  if (folder === undefined) return `${file} ${kind} (hashed whole)`;
  return folder === '.' ? `${file}: the root's resolved dependencies ${kind}` : `${file}: resolved dependencies of ${folder} ${kind}`;
}
