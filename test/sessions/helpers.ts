import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The events of a repository's newest session (or the named one), as written to its log. */
export function sessionEvents(dir: string, id = sessionIds(dir).at(-1)!): Record<string, any>[] {
  return readFileSync(join(dir, '.orch', 'sessions', id, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);
}

export function sessionIds(dir: string): string[] {
  try {
    return readdirSync(join(dir, '.orch', 'sessions')).sort();
  } catch {
    return [];
  }
}

export const config = (value: object) => JSON.stringify(value, null, 2);
