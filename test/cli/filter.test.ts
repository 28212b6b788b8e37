import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';

// `--filter`/`-F`: Turborepo's filter microsyntax (issue 15, part 3).
// ui <- web <- @acme/docs, ui <- api; lone has no dependency and no dependent.
function workspace(): string {
  const pkg = (name: string, dependencies: string[] = [], scripts: Record<string, string> = { build: 'node -e 0' }) => JSON.stringify({ name, scripts, dependencies: Object.fromEntries(dependencies.map((d) => [d, '*'])) });
  const dir = commitAll(
    tempRepo({
      '.gitignore': '.orch/\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*', 'apps/*'] }),
      'packages/ui/package.json': pkg('ui', [], { build: 'node -e 0', test: 'node -e 0' }),
      'packages/ui/src/index.js': '1\n',
      'packages/web/package.json': pkg('web', ['ui'], { build: 'node -e 0', test: 'node -e 0' }),
      'packages/api/package.json': pkg('api', ['ui']),
      'packages/lone/package.json': pkg('lone'),
      'apps/docs/package.json': pkg('@acme/docs', ['web']),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
    }),
  );
  execFileSync('git', ['branch', '-M', 'main'], { cwd: dir });
  return dir;
}

/** The tasks a dry run would run because they were named (not only needed), sorted. */
function requested(dir: string, args: string[], cwd = dir): string[] {
  const run = runOrch(['run', ...args, '--dry-run', '--json'], cwd);
  expect(run.stderr).not.toMatch(/error/);
  const { tasks } = JSON.parse(run.stdout) as { tasks: { id: string; reasons: { kind: string }[] }[] };
  return tasks.filter((t) => t.reasons.some((r) => r.kind === 'requested')).map((t) => t.id).sort();
}

describe('--filter selects packages as Turborepo does', () => {
  it('by name, scope glob, folder, with dependencies or dependents, without the package itself, and with ! exclusions', () => {
    const dir = workspace();
    const cases: [string[], string[]][] = [
      [['-F', 'web'], ['web#build']],
      [['--filter=@acme/*'], ['@acme/docs#build']],
      // `docs` is the one scoped package named docs.
      [['--filter', 'docs'], ['@acme/docs#build']],
      [['--filter=./packages/*'], ['api#build', 'lone#build', 'ui#build', 'web#build']],
      [['--filter={apps/docs}'], ['@acme/docs#build']],
      [['--filter=web...'], ['ui#build', 'web#build']],
      [['--filter=...web'], ['@acme/docs#build', 'web#build']],
      [['--filter=...ui'], ['@acme/docs#build', 'api#build', 'ui#build', 'web#build']],
      [['--filter=...^ui'], ['@acme/docs#build', 'api#build', 'web#build']],
      [['--filter=web^...'], ['ui#build']],
      [['--filter=!web'], ['@acme/docs#build', 'api#build', 'lone#build', 'ui#build']],
      // Repeated filters are a union; `!` applies after all of them, whatever the order.
      [['--filter=!ui', '-F', 'web...', '-F', 'lone'], ['lone#build', 'web#build']],
      [['--filter=./packages/*', '--filter=!./packages/l*'], ['api#build', 'ui#build', 'web#build']],
      // '*' is every package, the scoped @acme/docs too (Turborepo's SimpleGlob: '*' crosses the '/').
      [['--filter=*'], ['@acme/docs#build', 'api#build', 'lone#build', 'ui#build', 'web#build']],
      [['-F', '*', '-F', '!@acme/*'], ['api#build', 'lone#build', 'ui#build', 'web#build']],
    ];
    for (const [args, expected] of cases) expect([args.join(' '), requested(dir, ['build', ...args])]).toEqual([args.join(' '), expected]);
    // A filter narrows package tasks: ui has test, so does web; the others have none.
    expect(requested(dir, ['test', '--filter=...ui'])).toEqual(['ui#test', 'web#test']);
  });

  it('[ref] selects the packages changed since the ref, as orch affected reads the change; ... adds dependents or matches through dependencies', () => {
    const dir = workspace();
    execFileSync('git', ['checkout', '-qb', 'feature'], { cwd: dir });
    writeTree(dir, { 'packages/ui/src/index.js': '2\n' });
    commitAll(dir);
    writeTree(dir, { 'packages/lone/new.js': 'untracked\n' });
    expect(requested(dir, ['build', '--filter=[main]'])).toEqual(['lone#build', 'ui#build']);
    expect(requested(dir, ['build', '--filter=[HEAD~1]'])).toEqual(['lone#build', 'ui#build']);
    // [from...to] is history alone: the untracked file is not in it.
    expect(requested(dir, ['build', '--filter=[main...HEAD]'])).toEqual(['ui#build']);
    expect(requested(dir, ['build', '--filter=...[main]'])).toEqual(['@acme/docs#build', 'api#build', 'lone#build', 'ui#build', 'web#build']);
    // web...[main]: web, because a dependency of it changed; api...[main] likewise; docs through web.
    expect(requested(dir, ['build', '--filter=web...[main]'])).toEqual(['web#build']);
    expect(requested(dir, ['build', '--filter={apps/*}...[main]'])).toEqual(['@acme/docs#build']);
    expect(requested(dir, ['build', '--filter=...[main]', '--filter=!lone'])).toEqual(['@acme/docs#build', 'api#build', 'ui#build', 'web#build']);

    // The same answer as `orch affected`: changed packages and their dependents.
    const affected = JSON.parse(runOrch(['affected', '--base', 'main', '--list', '--json'], dir).stdout) as { projects: { name: string }[] };
    expect(affected.projects.map((p) => `${p.name}#build`).sort()).toEqual(requested(dir, ['build', '--filter=...[main]']));
    // And affected narrowed by a filter.
    const narrowed = JSON.parse(runOrch(['affected', '--base', 'main', '--list', '--json', '--filter=./packages/*'], dir).stdout) as { projects: { name: string }[] };
    expect(narrowed.projects.map((p) => p.name).sort()).toEqual(['api', 'lone', 'ui', 'web']);
  });

  it('a change filter that selects nothing runs nothing and says so (exit 0)', () => {
    const dir = workspace();
    const run = runOrch(['run', 'build', '--filter=[main]'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("orch: --filter selects no package with 'build' that changed; nothing to run");
    // `!` filters alone select by name: leaving nothing is a mistake, not "nothing changed".
    const excluded = runOrch(['run', 'test', '--filter=!ui', '--filter=!web'], dir);
    expect(excluded.code).toBe(2);
    expect(excluded.stderr).toContain('--filter=!ui --filter=!web together leave none of the 2 tasks named: they select @acme/docs, api, lone');
    expect(excluded.stderr).toContain("hint: none of those packages has 'test'");
    // '!*' excludes every package, scoped ones included; the hint names that cause, not a missing script.
    const all = runOrch(['run', 'build', '--filter=!*'], dir);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain("orch: --filter=!* leaves none of the 5 tasks named: they select no package\n  hint: the '!' filters exclude every package the others select");
    const cancelled = runOrch(['run', 'build', '--filter=web', '--filter=!web'], dir);
    expect(cancelled.stderr).toContain("--filter=web --filter=!web together leave none of the 5 tasks named: they select no package\n  hint: the '!' filters exclude");
  });

  it('a filter matching nothing, a bad ref and bad syntax are usage errors that say what would be valid', () => {
    const dir = workspace();
    const typo = runOrch(['run', 'build', '--filter=wbe...'], dir);
    expect([typo.code, typo.stderr]).toEqual([2, "orch: --filter 'wbe...': no package is named 'wbe'\n  hint: did you mean 'web'?\n"]);
    const folder = runOrch(['run', 'build', '--filter=./pakages/*'], dir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("orch: --filter './pakages/*': no package is in 'pakages/*'");
    const ref = runOrch(['run', 'build', '--filter=[mian]'], dir);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/^orch: --filter '\[mian\]': the base 'mian' does not exist in this repository\n {2}hint: did you mean 'main'\? otherwise .*\n$/);
    const syntax = runOrch(['run', 'build', '--filter=......[main]'], dir);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain("needs a package before it (web...[main]); for the changed packages and their dependents write ...[main]");
    // Packages that exist but have no such task: nothing left to run is an error, not a silent no-op.
    const none = runOrch(['run', 'test', '--filter=api'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--filter=api leaves none of the 2 tasks named: they select api\n  hint: none of those packages has 'test'");
    // No stack trace anywhere.
    for (const run of [typo, folder, ref, syntax, none]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('graph and explain take it too', () => {
    const dir = workspace();
    expect(runOrch(['graph', 'build', '--filter=web'], dir).stdout).toBe('ui#build\nweb#build  <- ui#build\n');
    expect(runOrch(['graph', '--filter=api'], dir).stdout).toBe('ui#build\napi#build  <- ui#build\n');
    const explained = runOrch(['explain', 'build', '-F', 'lone', '--json'], dir);
    expect((JSON.parse(explained.stdout) as { id: string }[]).map((r) => r.id)).toEqual(['lone#build']);
  });
});

describe('a bare target run from inside a package folder', () => {
  it('runs for that package alone, with a line saying so, as Turborepo 2 infers the package', () => {
    const dir = workspace();
    const web = join(dir, 'packages/web');
    const run = runOrch(['run', 'build', '--dry-run', '--json'], web);
    expect(run.stderr).toBe("orch: in packages/web, so 'build' runs for web only (from the root, or with --filter, for other packages)\n");
    expect(requested(dir, ['build'], web)).toEqual(['web#build']);
    // Deeper in the folder too; the dependencies still run first.
    writeTree(dir, { 'packages/web/src/deep/x.js': '1\n' });
    const plan = JSON.parse(runOrch(['run', 'build', '--dry-run', '--json'], join(web, 'src/deep')).stdout) as { tasks: { id: string }[] };
    expect(plan.tasks.map((t) => t.id)).toEqual(['ui#build', 'web#build']);
  });

  it('leaves a named package task, --filter and the root alone', () => {
    const dir = workspace();
    const web = join(dir, 'packages/web');
    expect(requested(dir, ['api#build'], web)).toEqual(['api#build']);
    expect(requested(dir, ['build', '--filter=./*'], join(dir, 'packages'))).toEqual(['api#build', 'lone#build', 'ui#build', 'web#build']);
    expect(requested(dir, ['build', '--filter=../api'], web)).toEqual(['api#build']);
    expect(requested(dir, ['build'])).toEqual(['@acme/docs#build', 'api#build', 'lone#build', 'ui#build', 'web#build']);
    // Between packages (packages/), nothing is inferred.
    expect(requested(dir, ['build'], join(dir, 'packages'))).toHaveLength(5);
  });

  it('is an error with a way out when that package has no such script', () => {
    const dir = workspace();
    const run = runOrch(['run', 'test'], join(dir, 'packages/api'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "orch: 'test': orch runs in packages/api, the folder of package 'api', which has no such script, so nothing is run\n  hint: run it from the workspace root for every package that has it, or choose them with --filter (e.g. --filter=ui); packages with 'test': ui, web\n",
    );
  });
});
