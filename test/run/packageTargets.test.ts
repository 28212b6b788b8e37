import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';

// `targets` keys `pkg#target`: Turborepo's package-specific tasks (issue 11, findings #10).
const BUILD = "node -e \"const fs = require('fs'); for (const d of ['dist', 'zzz']) { fs.mkdirSync(d, { recursive: true }); fs.writeFileSync(d + '/out.txt', 'built'); } fs.appendFileSync('../../runs.log', require('./package.json').name + '\\n')\"";

function workspace(targets: object): string {
  return commitAll(
    tempRepo({
      '.gitignore': 'dist/\nzzz/\n.orch/\nruns.log\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'packages/lib/package.json': JSON.stringify({ name: 'lib', scripts: { build: BUILD } }),
      'packages/g/package.json': JSON.stringify({ name: 'g', dependencies: { lib: '*' }, scripts: { build: BUILD, prebuild: 'echo pre' } }),
      'packages/g/src/index.js': '1\n',
      'packages/g/gen/client.txt': 'v1\n',
      'packages/web/package.json': JSON.stringify({ name: 'web', dependencies: { lib: '*' }, scripts: { build: BUILD } }),
      'orchestrator.config.json': JSON.stringify({ targets }, null, 2),
    }),
  );
}

const runs = (dir: string) => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n') : []);

describe('targets keyed pkg#target', () => {
  const targets = {
    build: { dependsOn: ['^build'], outputs: ['dist/**'] },
    'g#build': { inputs: ['gen/**'], outputs: ['zzz/**'] },
  };

  it('are merged over the generic target for that package alone: what they set wins, the rest is inherited (issue 15, part 5)', () => {
    const dir = workspace(targets);
    const show = (id: string) => JSON.parse(runOrch(['show', id, '--json'], dir).stdout) as { dependencies: unknown[]; metadata: { inputs?: string[]; outputs?: string[] } };
    expect(show('g#build')).toMatchObject({ dependencies: [{ spec: '^build' }], metadata: { inputs: ['gen/**'], outputs: ['zzz/**'] } });
    expect(show('web#build')).toMatchObject({ dependencies: [{ spec: '^build' }], metadata: { outputs: ['dist/**'] } });
    expect(show('web#build').metadata.inputs).toBeUndefined();
    // Inherited: g#build still waits for lib#build; web#build keeps the generic entry alone.
    expect(runOrch(['graph', 'g#build'], dir).stdout.trim()).toBe('lib#build\ng#build  <- lib#build');
    // explain says which entries make the task.
    expect(runOrch(['explain', 'g#build'], dir).stdout).toContain("  target:        targets['build'], with targets['g#build'] over it");
    expect(runOrch(['explain', 'web#build'], dir).stdout).toContain("  target:        targets['build'] (");
    // Hashed: a setting of g#build's entry is in g#build's definition alone (an edit of `targets`
    // misses every task through the config's fingerprint, as an edit of turbo.json's tasks does).
    const definitions = () => Object.fromEntries((JSON.parse(runOrch(['explain', 'g#build', 'web#build', '--json'], dir).stdout) as { id: string; inputs: { definition: { metadata: string } } }[]).map((r) => [r.id, r.inputs.definition.metadata]));
    const before = definitions();
    writeTree(dir, { 'orchestrator.config.json': JSON.stringify({ targets: { ...targets, 'g#build': { ...targets['g#build'], outputs: ['zzz/**', 'more/**'] } } }, null, 2) });
    const after = definitions();
    expect(after['g#build']).not.toBe(before['g#build']);
    expect(after['web#build']).toBe(before['web#build']);
  });

  it('decide what the task caches and restores, and what its hash reads', () => {
    const dir = workspace(targets);
    expect(runOrch(['run', 'g#build'], dir).code).toBe(0);
    rmSync(join(dir, 'packages/g/zzz'), { recursive: true });
    rmSync(join(dir, 'packages/g/dist'), { recursive: true });
    const again = runOrch(['run', 'g#build'], dir);
    expect(again.stderr).toMatch(/✔ g#build \(cached local, /);
    expect(readFileSync(join(dir, 'packages/g/zzz/out.txt'), 'utf8')).toBe('built');
    expect(existsSync(join(dir, 'packages/g/dist'))).toBe(false);
    expect(runs(dir)).toEqual(['lib', 'g']);
    // An input of the override, not of the generic target, makes it run again (lib comes from the cache).
    writeTree(dir, { 'packages/g/gen/client.txt': 'v2\n' });
    runOrch(['run', 'g#build'], dir);
    expect(runs(dir)).toEqual(['lib', 'g', 'g']);
  });

  it('that apply to no task are located warnings with did you mean; the rest of the config still works', () => {
    const dir = workspace({ ...targets, 'nosuchpkg#build': {}, 'gg#build': {}, 'g#biuld': {}, 'g#prebuild': {}, biuld: {} });
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(0);
    const warnings = [...run.stderr.matchAll(/^orchestrator\.config\.json:(\d+):5: warning: (.*) \[config\/unused-target\]\n(?:.*\n){2} {2}hint: (.*)$/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
    const lines = readFileSync(join(dir, 'orchestrator.config.json'), 'utf8').split('\n');
    const lineOf = (key: string) => lines.findIndex((line) => line.startsWith(`    "${key}"`)) + 1;
    expect(warnings).toEqual([
      [lineOf('nosuchpkg#build'), "targets.nosuchpkg#build: no workspace package is named 'nosuchpkg'; it applies to no task", 'the packages: g, lib, web'],
      [lineOf('gg#build'), "targets.gg#build: no workspace package is named 'gg'; it applies to no task", "did you mean 'g#build'?"],
      [lineOf('g#biuld'), "targets.g#biuld: package 'g' has no 'biuld' script; it applies to no task", "did you mean 'g#build'?"],
      [lineOf('g#prebuild'), "targets.g#prebuild: 'prebuild' runs as a step of g#build; it applies to no task", "configure 'g#build' instead"],
      [lineOf('biuld'), "targets.biuld: no package has a 'biuld' script; it applies to no task", "did you mean 'build'?"],
    ]);
    expect(runOrch(['run', 'web#build'], dir).code).toBe(0);
  });
});
