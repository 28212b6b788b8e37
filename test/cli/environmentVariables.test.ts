import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 15, part 6: every ORCH_* name in orch's sources is in docs/environment-variables.md, so
// a variable added without its documentation fails here.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('docs/environment-variables.md', () => {
  it('names every ORCH_* variable the sources read or set', () => {
    const names = new Set<string>();
    for (const pkg of ['engine', 'plugins', 'cli']) {
      for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) for (const [name] of readFileSync(file, 'utf8').matchAll(/\bORCH_[A-Z][A-Z_]*\b/g)) names.add(name);
    }
    expect(names.size).toBeGreaterThan(8);
    const doc = readFileSync(join(ROOT, 'docs', 'environment-variables.md'), 'utf8');
    expect([...names].filter((name) => !doc.includes(`\`${name}\``)).sort()).toEqual([]);
  });
});
