import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// Config values checked, not only keys (issue 15, part 5).
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];

function workspace(config: string): string {
  const files: Record<string, string> = {
    '.gitignore': '.orch/\n',
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
    'orchestrator.config.ts': config,
  };
  for (const name of NAMES) files[`packages/${name}/package.json`] = JSON.stringify({ name, scripts: { build: 'node -e 0', test: 'node -e 0', lint: 'node -e 0' } });
  return commitAll(tempRepo(files));
}

/** 1-based line and column of `text` in the config. */
function at(dir: string, text: string): string {
  const lines = readFileSync(join(dir, 'orchestrator.config.ts'), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  return `${line + 1}:${lines[line]!.indexOf(text) + 1}`;
}

const CONFIG = `export default {
  targets: {
    build: { outputs: ['dist/**'] },
    biuld: { outputs: ['out/**'] },
    test: { dependsOn: ['^biuld'] },
    lint: { dependsOn: ['tset', 'a#biuld'] },
  },
};
`;

describe('config values', () => {
  it('a target no package has is a warning with did you mean at its line:col', () => {
    const dir = workspace(CONFIG);
    const run = runOrch(['validate'], dir);
    expect(run.stderr).toContain(`orchestrator.config.ts:${at(dir, 'biuld:')}: warning: targets.biuld: no package has a 'biuld' script; it applies to no task [config/unused-target]\n  4 |     biuld: { outputs: ['out/**'] },\n    |     ~~~~~\n  hint: did you mean 'build'?\n`);
  });

  it("dependsOn naming nothing ('^biuld', 'tset', 'a#biuld') is an error at the config's line, reported once for the 12 packages", () => {
    const dir = workspace(CONFIG);
    const run = runOrch(['validate'], dir);
    expect(run.code).toBe(2);
    const errors = run.stderr.split('\n').filter((line) => line.includes(': error: '));
    expect(errors).toEqual([
      `orchestrator.config.ts:${at(dir, "'^biuld'")}: error: test: dependency '^biuld' names no task: no package has a 'biuld' script (in 12 packages: a, b, c, d, e, f, g, h, i, j and 2 more) [graph/unknown-dependency]`,
      `orchestrator.config.ts:${at(dir, "'tset'")}: error: lint: dependency on an unknown command 'tset' (in 12 packages: a, b, c, d, e, f, g, h, i, j and 2 more) [graph/unknown-dependency]`,
      `orchestrator.config.ts:${at(dir, "'a#biuld'")}: error: lint: dependency on an unknown command 'a#biuld' (in 12 packages: a, b, c, d, e, f, g, h, i, j and 2 more) [graph/unknown-dependency]`,
    ]);
    // The underline is under the entry itself.
    expect(run.stderr).toContain("[graph/unknown-dependency]\n  5 |     test: { dependsOn: ['^biuld'] },\n    |                         ~~~~~~~~\n  hint: did you mean 'build'?\n");
    expect(run.stderr).toContain("hint: did you mean 'test'?");
    expect(run.stderr).toContain("hint: did you mean 'a#build'?");
    // Counted as shown: three errors, one warning.
    expect(run.stdout).toBe('✖ 36 commands, 0 agents, 12 projects: 3 errors, 1 warning\n');
    // --json keeps one diagnostic per task, for tools.
    const json = JSON.parse(runOrch(['validate', '--json'], dir).stdout) as { errors: number };
    expect(json.errors).toBe(36);
  });

  it('blocks only the runs whose tasks it touches', () => {
    const dir = workspace(CONFIG);
    const test = runOrch(['run', 'test'], dir);
    expect(test.code).toBe(2);
    expect(test.stderr).toContain("error: test: dependency '^biuld' names no task");
    expect(test.stderr).toContain('orch: 1 problem in what this run needs; nothing was run');
    // build has none of these problems: it runs, with the others as one-line warnings.
    const build = runOrch(['run', 'build'], dir);
    expect(build.code).toBe(0);
    expect(build.stderr).toContain(`orchestrator.config.ts:${at(dir, "'^biuld'")}: warning: test: dependency '^biuld' names no task: no package has a 'biuld' script (in 12 packages: a, b, c, d, e, f, g, h, i, j and 2 more) [graph/unknown-dependency]\n`);
  });

  it('a ^target that some package has is no error where a dependency lacks it (a leaf package)', () => {
    const dir = workspace(`export default { targets: { build: { dependsOn: ['^build'] } } };\n`);
    const run = runOrch(['validate'], dir);
    expect([run.code, run.stderr]).toEqual([0, '']);
  });
});
