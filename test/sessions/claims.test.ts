import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { alive, ORCH_BIN, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';

/** Lines of a file, or none while it does not exist. */
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('two runs at once', () => {
  it('four `orch run build` at once on a 40-package workspace run every task exactly once, and all exit 0', async () => {
    // Outside the repository, so that no task's inputs change while the others run.
    const log = join(tempRepo({}, { git: false }), 'builds.log');
    const files: Record<string, string> = { 'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }), '.gitignore': '.orch\n' };
    for (let i = 0; i < 40; i++) {
      // A few layers: package i depends on package floor(i / 3) (^build orders them).
      const dependencies = i === 0 ? {} : { [`p${Math.floor(i / 3)}`]: '1.0.0' };
      const build = `node -e "require('fs').appendFileSync(${JSON.stringify(log).replace(/"/g, '\\"')}, 'p${i} ' + process.pid + '\\\\n'); setTimeout(() => {}, 100)"`;
      files[`packages/p${i}/package.json`] = JSON.stringify({ name: `p${i}`, version: '1.0.0', dependencies, scripts: { build } });
    }
    files['orchestrator.config.json'] = JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } });
    const dir = commitAll(tempRepo(files));

    const runs = Array.from({ length: 4 }, () => startOrch(['run', 'build'], dir));
    const results = await Promise.all(runs.map((run) => run.exited));
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    const built = lines(log).map((line) => line.split(' ')[0]!);
    const counts = new Map<string, number>();
    for (const name of built) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `p${i}`).sort());
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    // The others took what one built from the cache, and said whom they waited for.
    const stderr = results.map((result) => result.stderr).join('\n');
    expect(stderr).toMatch(/orch: waiting for p\d+#build, running in session \S+ \(pid \d+\)/);
    for (const result of results) expect(result.stderr).toContain('40 succeeded');
  }, 120_000);

  it('a holder killed with SIGKILL leaves its claim to the waiter, which ends what it left and runs the task once more', async () => {
    const log = join(tempRepo({}, { git: false }), 'builds.log');
    // The first run's build waits for ever; once `go` exists a build ends at once.
    const build = `node -e "const fs=require('fs'); fs.appendFileSync(${JSON.stringify(log).replace(/"/g, '\\"')}, process.pid + '\\\\n'); if (!fs.existsSync('go')) setInterval(() => {}, 1000)"`;
    const dir = commitAll(tempRepo({ 'package.json': JSON.stringify({ name: 'solo', version: '1.0.0', scripts: { build } }), '.gitignore': '.orch\ngo\n' }));

    const holder = startOrch(['run', 'solo#build'], dir);
    await waitFor(() => lines(log).length === 1, 15_000, 'the first build to start');
    const waiter = startOrch(['run', 'solo#build'], dir);
    await waitFor(() => waiter.output().includes('waiting for solo#build'), 15_000, 'the second run to wait');
    expect(waiter.output()).toMatch(/orch: waiting for solo#build, running in session \S+ \(pid \d+\)/);

    writeFileSync(join(dir, 'go'), '');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const result = await waiter.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/orch: solo#build was claimed by session \S+ \(pid \d+\), which died; taking it over; ended \d+ process(es)? it had left running/);
    const [first, second, ...more] = lines(log).map(Number);
    expect(more).toEqual([]);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(alive(first!)).toBe(false);
  }, 60_000);

  it('a task that runs orch on itself fails at once, instead of waiting for itself', () => {
    const dir = tempRepo({ 'orchestrator.config.json': JSON.stringify({ commands: { outer: { run: `node ${JSON.stringify(ORCH_BIN)} run outer`, inputs: [] } } }) });
    const run = runOrch(['run', 'outer'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('outer is being run by the orch process that started this one (a task that runs orch on itself): it would wait for itself');
  }, 30_000);
});
