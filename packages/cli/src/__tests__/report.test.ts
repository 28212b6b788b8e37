import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { criticalPath } from '../report/criticalPath.js';
import { logTail } from '../report/logTail.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('criticalPath', () => {
  const nodes = [
    { id: 'utils', dependencies: [] },
    { id: 'core', dependencies: ['utils'] },
    { id: 'docs', dependencies: [] },
    { id: 'web', dependencies: ['core', 'utils'] },
    { id: 'lint', dependencies: ['utils'] },
  ];

  it('follows the dependencies whose durations add up to the most', () => {
    const ms: Record<string, number> = { utils: 100, core: 300, docs: 350, web: 50, lint: 200 };
    expect(criticalPath(nodes, (id) => ms[id]!)).toEqual(['utils', 'core', 'web']);
  });

  it('is one task when no chain of tasks outweighs it', () => {
    const ms: Record<string, number> = { utils: 10, core: 10, docs: 500, web: 10, lint: 10 };
    expect(criticalPath(nodes, (id) => ms[id]!)).toEqual(['docs']);
  });

  it('ignores a dependency outside the nodes, and is empty for none', () => {
    expect(criticalPath([{ id: 'web', dependencies: ['elsewhere'] }], () => 1)).toEqual(['web']);
    expect(criticalPath([], () => 1)).toEqual([]);
  });
});

describe('logTail', () => {
  const file = (content: string | Buffer) => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-tail-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'task.log'), content);
    return join(dir, 'task.log');
  };

  it('keeps the last lines, without colours, cursor moves, links or the text a carriage return overwrote', () => {
    const path = file('one\n\u001b[31mred\u001b[0m two\r\n10%\r50%\r100%\n\u001b]8;;https://x.test\u0007link\u001b]8;;\u0007\n');
    expect(logTail(path, 3)).toEqual(['red two', '100%', 'link']);
  });

  it('reads only the end of a large log, dropping the line the window cut', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const tail = logTail(file(`${lines.join('\n')}\n`), 1000)!;
    expect(tail.at(-1)).toBe(lines.at(-1));
    expect(tail.length).toBeLessThan(1000);
    expect(lines).toContain(tail[0]);
  });

  it('is undefined for a task that wrote no log', () => {
    expect(logTail(join(tmpdir(), 'orch-no-such-dir', 'task.log'))).toBeUndefined();
  });
});
