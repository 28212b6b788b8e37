import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CommandDefinition } from '@orch/engine';
import { promptTokens } from './promptTokens.js';

/** Where an `@path` include of a command leads. */
export type IncludeTarget =
  /** A file of the repository: `rel` from the root, `/`-separated. */
  | { kind: 'repository'; file: string; rel: string }
  /** `@~/…`: a file in the home folder; `key` is the path as written (`~/notes.md`). */
  | { kind: 'home'; file: string; key: string; exists: boolean }
  /** Neither: left as written (missing, a folder, or outside the repository). */
  | { kind: 'none' };

/**
 * Resolves an `@path` of a command: `~/…` in the home folder (`HOME`); any other path next to
 * the command file, then at the root, and only inside the repository. A repository path must be
 * an existing file unless `existing` is false (then the first place inside the repository).
 */
export function resolveInclude(path: string, commandFile: string, root: string, existing = true): IncludeTarget {
  if (path.startsWith('~/')) {
    const file = join(process.env.HOME || homedir(), path.slice(2));
    return { kind: 'home', file, key: path, exists: isFile(file) };
  }
  for (const base of [dirname(commandFile), root]) {
    const file = resolve(base, path);
    const rel = relative(root, file);
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    if (!existing || isFile(file)) return { kind: 'repository', file, rel: rel.split(sep).join('/') };
  }
  return { kind: 'none' };
}

/**
 * The files a markdown command includes with `@path` (`_shared` partials, docs): repository
 * files relative to the root, home files as written (`~/notes.md`). Missing repository files
 * are left out unless `existing` is false (then both places count: a partial deleted by a change
 * is still the command's). Shared by the task hasher and `orch affected`.
 */
export function includedFiles(command: Pick<CommandDefinition, 'body' | 'location'>, root: string, existing = true): string[] {
  const found = new Set<string>();
  for (const token of promptTokens(command.body ?? '')) {
    if (token.kind !== 'include') continue;
    if (existing) {
      const target = resolveInclude(token.path, command.location.file, root);
      if (target.kind === 'repository') found.add(target.rel);
      else if (target.kind === 'home') found.add(target.key);
      continue;
    }
    for (const base of [dirname(command.location.file), root]) {
      const rel = relative(root, resolve(base, token.path)).split(sep).join('/');
      if (!rel.startsWith('..') && !isAbsolute(rel) && !token.path.startsWith('~/')) found.add(rel);
    }
  }
  return [...found];
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
