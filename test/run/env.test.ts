import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

// Each build writes the environment it saw to dist/seen.json and appends its package to runs.log.
const BUILD = `const fs = require('fs'), path = require('path');
const name = require(path.join(process.cwd(), 'package.json')).name;
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/seen.json', JSON.stringify(process.env));
fs.appendFileSync(path.join(__dirname, 'runs.log'), name + '\\n');
if (process.env.TASKLOG) fs.appendFileSync(process.env.TASKLOG, name + '\\n');
console.log('built ' + name + ' for ' + (process.env.NODE_ENV ?? 'no NODE_ENV'));
`;

/** A committed workspace of two packages (`b` depends on `a`) whose builds record what they saw. */
function workspace(config: object = {}, files: Record<string, string> = {}): string {
  return commitAll(
    tempRepo({
      '.gitignore': 'dist/\n.orch/\nruns.log\n*.out\n',
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'p/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'node ../../build.cjs' } }),
      'p/a/src/index.js': 'module.exports = 1;\n',
      'p/b/package.json': JSON.stringify({ name: 'b', dependencies: { a: '*' }, scripts: { build: 'node ../../build.cjs' } }),
      'p/b/src/index.js': 'module.exports = 2;\n',
      'build.cjs': BUILD,
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } }, ...config }),
      ...files,
    }),
  );
}

const runs = (dir: string): string[] => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
const resetRuns = (dir: string): void => rmSync(join(dir, 'runs.log'), { force: true });
const seen = (dir: string, pkg: string): Record<string, string> => JSON.parse(readFileSync(join(dir, 'p', pkg, 'dist', 'seen.json'), 'utf8'));
const cacheMetas = (dir: string): string[] => {
  const root = join(dir, '.orch/cache');
  return readdirSync(root).filter((shard) => shard.length === 2).flatMap((shard) => readdirSync(join(root, shard)).map((hash) => join(root, shard, hash, 'meta.json')));
};
const explain = (dir: string, task: string, env: Record<string, string | undefined> = {}, ...flags: string[]) => JSON.parse(runOrch(['explain', task, '--json', ...flags], dir, env).stdout)[0];

describe('strict environment mode (the default)', () => {
  it('NODE_ENV=production then development: an undeclared NODE_ENV never reaches the task, so both builds are the same build', () => {
    const dir = workspace();
    expect(runOrch(['run', 'b#build'], dir, { NODE_ENV: 'production' }).code).toBe(0);
    expect(seen(dir, 'b')).not.toHaveProperty('NODE_ENV');
    expect(seen(dir, 'b')).toMatchObject({ HOME: process.env.HOME, PATH: expect.stringContaining('node_modules/.bin'), ORCH_TASK: 'b#build' });
    resetRuns(dir);
    expect(runOrch(['run', 'b#build'], dir, { NODE_ENV: 'development' }).code).toBe(0);
    expect(runs(dir)).toEqual([]);
    expect(explain(dir, 'b#build', { NODE_ENV: 'development' }).inputs.env).toEqual({});
  });

  it('NODE_ENV declared in env: the task sees it, a change runs it again, and explain names it without printing it', () => {
    const dir = workspace({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['NODE_ENV'] } } });
    runOrch(['run', 'b#build'], dir, { NODE_ENV: 'production' });
    expect(seen(dir, 'b').NODE_ENV).toBe('production');
    resetRuns(dir);
    const second = runOrch(['run', 'b#build'], dir, { NODE_ENV: 'development' });
    expect(runs(dir)).toEqual(['a', 'b']);
    expect(second.stdout).toContain('b#build: built b for development');
    expect(seen(dir, 'b').NODE_ENV).toBe('development');
    const text = runOrch(['explain', 'b#build'], dir, { NODE_ENV: 'production' }).stdout;
    expect(text).toContain('env mode:      strict');
    expect(text).toMatch(/env: {11}NODE_ENV [0-9a-f]{12} \(value hashed\)/);
    expect(text).toContain('    env NODE_ENV changed');
    expect(text).not.toContain('production');
    expect(text).not.toContain('development');
    // Stored hash inputs (the last run's record, the cache entry) keep the hash, never the value;
    // what the task printed is kept as printed (its log, in meta.json when small, as in output.log).
    const records = [...readdirSync(join(dir, '.orch/records')).map((file) => join(dir, '.orch/records', file)), ...cacheMetas(dir)];
    expect(records.length).toBeGreaterThan(2);
    const withoutLog = (text: string): string => JSON.stringify(text.startsWith('{"format"') ? { ...(JSON.parse(text) as object), log: undefined } : text);
    for (const file of records) expect(withoutLog(readFileSync(file, 'utf8'))).not.toMatch(/production|development/);
    expect(explain(dir, 'b#build', { NODE_ENV: undefined }).changes).toEqual(['env NODE_ENV unset', 'dependency a#build']);
  });

  it('passThroughEnv is seen and not hashed; globalEnv is hashed for every task; globalPassThroughEnv is seen by every task', () => {
    const dir = workspace({
      globalEnv: ['API_URL'],
      globalPassThroughEnv: ['TASKLOG'],
      targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], passThroughEnv: ['SENTRY_TOKEN'] } },
    });
    const tasklog = join(dir, 'tasks.out');
    runOrch(['run', 'build'], dir, { SENTRY_TOKEN: 'one', API_URL: 'https://a', TASKLOG: tasklog, UNDECLARED: 'x' });
    expect(seen(dir, 'a')).toMatchObject({ SENTRY_TOKEN: 'one', API_URL: 'https://a', TASKLOG: tasklog });
    expect(seen(dir, 'a')).not.toHaveProperty('UNDECLARED');
    expect(readFileSync(tasklog, 'utf8').trim().split('\n').sort()).toEqual(['a', 'b']);
    resetRuns(dir);
    // Another token and another log path: nothing the user said matters changed.
    runOrch(['run', 'build'], dir, { SENTRY_TOKEN: 'two', API_URL: 'https://a', TASKLOG: join(dir, 'other.out') });
    expect(runs(dir)).toEqual([]);
    runOrch(['run', 'build'], dir, { SENTRY_TOKEN: 'two', API_URL: 'https://b' });
    expect(runs(dir).sort()).toEqual(['a', 'b']);
    const report = explain(dir, 'a#build', { API_URL: 'https://c', SENTRY_TOKEN: 'x' });
    expect(Object.keys(report.inputs.env)).toEqual(['API_URL']);
    expect(report.inputs.passThroughEnv).toEqual(['SENTRY_TOKEN', 'TASKLOG']);
    expect(report.envUnhashed).toContain('SENTRY_TOKEN');
    expect(report.changes).toEqual(['env API_URL changed']);
  });

  it('wildcards select variables, and ! excludes from them', () => {
    const dir = workspace({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['MY_APP_*', '!MY_APP_BUILD_ID'] } } });
    runOrch(['run', 'a#build'], dir, { MY_APP_COLOR: 'blue', MY_APP_BUILD_ID: '17' });
    expect(seen(dir, 'a')).toMatchObject({ MY_APP_COLOR: 'blue' });
    expect(seen(dir, 'a')).not.toHaveProperty('MY_APP_BUILD_ID');
    resetRuns(dir);
    runOrch(['run', 'a#build'], dir, { MY_APP_COLOR: 'blue', MY_APP_BUILD_ID: '18' });
    expect(runs(dir)).toEqual([]);
    runOrch(['run', 'a#build'], dir, { MY_APP_COLOR: 'red', MY_APP_BUILD_ID: '18' });
    expect(runs(dir)).toEqual(['a']);
    runOrch(['run', 'a#build'], dir, { MY_APP_COLOR: 'red', MY_APP_SIZE: 'xl' });
    expect(runs(dir)).toEqual(['a', 'a']);
  });

  it('filters module tasks in worker threads as it filters shell tasks, each task with its own environment', () => {
    const dir = workspace(
      {
        commands: {
          first: { module: 'task.mjs', env: ['FIRST_ONLY'], outputs: [] },
          second: { module: 'task.mjs', dependencies: ['first'], outputs: [] },
          shell: { run: 'node -e "require(\'fs\').writeFileSync(\'shell.out\', JSON.stringify(process.env))"', env: ['FIRST_ONLY'] },
        },
        workers: { maxThreads: 1 },
      },
      {
        'task.mjs': `import { writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
export default function ({ taskId, env }) {
  writeFileSync(taskId + '.out', JSON.stringify({ processEnv: { ...process.env }, contextEnv: env, threadId }));
}
`,
      },
    );
    const run = runOrch(['run', 'second', 'shell', '--concurrency', '1'], dir, { FIRST_ONLY: 'yes', NODE_ENV: 'production', UNDECLARED: 'x' });
    expect(run.code).toBe(0);
    const first = JSON.parse(readFileSync(join(dir, 'first.out'), 'utf8'));
    const second = JSON.parse(readFileSync(join(dir, 'second.out'), 'utf8'));
    const shell = JSON.parse(readFileSync(join(dir, 'shell.out'), 'utf8'));
    for (const env of [first.processEnv, second.processEnv, shell]) {
      expect(env).not.toHaveProperty('NODE_ENV');
      expect(env).not.toHaveProperty('UNDECLARED');
      expect(env.HOME).toBe(process.env.HOME);
    }
    expect(first.processEnv).toMatchObject({ FIRST_ONLY: 'yes', ORCH_TASK: 'first' });
    expect(first.contextEnv).toEqual(first.processEnv);
    expect(shell.FIRST_ONLY).toBe('yes');
    // The same worker thread ran `second` after `first`: it does not see what only `first` declared.
    expect(second.threadId).toBe(first.threadId);
    expect(second.processEnv).not.toHaveProperty('FIRST_ONLY');
    expect(second.processEnv.ORCH_TASK).toBe('second');
  });

  it('reads passThroughEnv and envMode from front matter, and points at a bad variable pattern', () => {
    const dir = workspace({}, {
      '.claude/commands/report.md': '---\ndescription: report\nrun: node -e "require(\'fs\').writeFileSync(\'report.out\', JSON.stringify(process.env))"\nenv: REPORT_TITLE\npassThroughEnv: [REPORT_TOKEN]\ninputs: []\n---\n',
      '.claude/commands/legacy.md': '---\ndescription: legacy\nrun: node -e "require(\'fs\').writeFileSync(\'legacy.out\', JSON.stringify(process.env))"\nenv-mode: loose\ninputs: []\n---\n',
    });
    const run = runOrch(['run', 'report', 'legacy'], dir, { REPORT_TITLE: 'T', REPORT_TOKEN: 'secret', NODE_ENV: 'production' });
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'legacy.out'), 'utf8'))).toMatchObject({ NODE_ENV: 'production', REPORT_TOKEN: 'secret' });
    expect(JSON.parse(readFileSync(join(dir, 'report.out'), 'utf8'))).toMatchObject({ REPORT_TITLE: 'T', REPORT_TOKEN: 'secret' });
    expect(JSON.parse(readFileSync(join(dir, 'report.out'), 'utf8'))).not.toHaveProperty('NODE_ENV');
    writeFileSync(join(dir, '.claude/commands/bad.md'), '---\ndescription: bad\nrun: echo\nenv: [$NODE_ENV]\n---\n');
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(".claude/commands/bad.md:4:7: error: env: '$NODE_ENV' is not an environment variable pattern");
    expect(validate.stderr).toContain('without $');
  });

  it('gives an agent CLI its credentials, unhashed, and not what the task did not declare', () => {
    const fakeClaude = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));
    const dir = workspace({ agent: { command: fakeClaude }, globalPassThroughEnv: ['FAKE_AGENT_LOG'] }, { '.claude/commands/review.md': '---\ndescription: review\nenv: [REVIEW_DEPTH]\n---\nReview the code.\n' });
    const log = join(dir, 'agent.out');
    const env = { FAKE_AGENT_LOG: log, ANTHROPIC_API_KEY: 'key', AWS_SECRET_ACCESS_KEY: 'aws', REVIEW_DEPTH: '2', NODE_ENV: 'production' };
    expect(runOrch(['run', 'review'], dir, env).code).toBe(0);
    const [call] = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { seen: string[] });
    expect(call!.seen).toEqual(expect.arrayContaining(['ANTHROPIC_API_KEY', 'REVIEW_DEPTH', 'ORCH_TASK', 'ORCH_AGENT_ROLE', 'HOME']));
    expect(call!.seen).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(call!.seen).not.toContain('NODE_ENV');
    expect(Object.keys(explain(dir, 'review', env).inputs.env)).toEqual(['REVIEW_DEPTH']);
    // Told to use Bedrock, Claude Code gets the AWS credentials.
    rmSync(log);
    runOrch(['run', 'review', '--force'], dir, { ...env, CLAUDE_CODE_USE_BEDROCK: '1' });
    expect(JSON.parse(readFileSync(log, 'utf8').trim()).seen).toContain('AWS_SECRET_ACCESS_KEY');
  });
});

describe('loose environment mode', () => {
  it('NODE_ENV=production then development with --env-mode=loose: the task sees it and the second run misses', () => {
    const dir = workspace();
    runOrch(['run', 'b#build', '--env-mode=loose'], dir, { NODE_ENV: 'production' });
    expect(seen(dir, 'b').NODE_ENV).toBe('production');
    resetRuns(dir);
    runOrch(['run', 'b#build', '--env-mode=loose'], dir, { NODE_ENV: 'development' });
    expect(runs(dir)).toEqual(['a', 'b']);
    expect(seen(dir, 'b').NODE_ENV).toBe('development');
    const report = explain(dir, 'b#build', { NODE_ENV: 'production' }, '--env-mode=loose');
    expect(report.inputs.envMode).toBe('loose');
    expect(report.changes).toContain('env NODE_ENV changed');
    // Without the flag the run is hashed as strict: another hash, and the mode is named.
    expect(explain(dir, 'b#build', { NODE_ENV: 'development' }).changes).toContain('env mode loose -> strict');
  });

  it('hashes every variable a task sees but the volatile and pass-through ones', () => {
    const dir = workspace({ envMode: 'loose', globalPassThroughEnv: ['TASKLOG'] });
    runOrch(['run', 'a#build'], dir, { ANYTHING: '1', SHLVL: '1', TERM_SESSION_ID: 'w0', TASKLOG: join(dir, 'x.out') });
    expect(seen(dir, 'a')).toMatchObject({ ANYTHING: '1', TERM_SESSION_ID: 'w0' });
    resetRuns(dir);
    runOrch(['run', 'a#build'], dir, { ANYTHING: '1', SHLVL: '3', TERM_SESSION_ID: 'w1', TASKLOG: join(dir, 'y.out') });
    expect(runs(dir)).toEqual([]);
    runOrch(['run', 'a#build'], dir, { ANYTHING: '2' });
    expect(runs(dir)).toEqual(['a']);
    const report = explain(dir, 'a#build', { ANYTHING: '3' });
    expect(report.inputs.env).toHaveProperty('ANYTHING');
    expect(report.inputs.env).toHaveProperty('PATH');
    expect(report.inputs.env).not.toHaveProperty('SHLVL');
    expect(report.changes).toContain('env ANYTHING changed');
  });

  it('resume hashes and runs in the mode the session started with', () => {
    const dir = workspace({ commands: { flaky: { run: 'test -f ok.out', dependencies: ['a#build'], inputs: [] } } });
    const first = runOrch(['run', 'flaky', '--env-mode=loose'], dir, { NODE_ENV: 'production' });
    expect(first.code).toBe(1);
    expect(seen(dir, 'a').NODE_ENV).toBe('production');
    writeFileSync(join(dir, 'ok.out'), '');
    resetRuns(dir);
    const resumed = runOrch(['resume'], dir, { NODE_ENV: 'production' });
    expect(resumed.code).toBe(0);
    // a#build completed under loose mode with this environment: its hash is unchanged, it is not run again.
    expect(runs(dir)).toEqual([]);
  });
});

describe('environment configuration', () => {
  it('rejects a bad variable pattern, mode or flag with where and what is valid', () => {
    const dir = workspace({ envMode: 'lose', globalEnv: ['$API_URL'] });
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain("envMode: expected one of 'strict', 'loose'");
    expect(validate.stderr).toContain('globalEnv[0]: expected a variable name (NODE_ENV), a wildcard (MY_APP_*) or an exclusion (!MY_APP_SECRET), written without $');
    const flag = runOrch(['run', 'build', '--env-mode=lose'], workspace());
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--env-mode lose: expected one of strict or loose');
  });

  it("accepts the config the shared benchmark writes, and passes BENCH_TASKLOG through it", () => {
    const dir = workspace({}, {
      'orchestrator.config.mjs': `export default {
  globalPassThroughEnv: ['BENCH_TASKLOG'],
  targets: {
    build: { dependsOn: ['^build'], inputs: ['src/**'], outputs: ['dist/**'] },
    test: { dependsOn: ['build'], inputs: ['src/**', 'dist/**'], outputs: [] },
  },
};
`,
    });
    rmSync(join(dir, 'orchestrator.config.json'));
    const validate = runOrch(['validate'], dir);
    expect(validate.stderr).not.toContain('globalPassThroughEnv');
    expect(validate.code).toBe(0);
    runOrch(['run', 'build'], dir, { BENCH_TASKLOG: join(dir, 'bench.out') });
    expect(seen(dir, 'b').BENCH_TASKLOG).toBe(join(dir, 'bench.out'));
  });
});

// Turborepo's framework inference: a package that uses a framework sees and hashes its variables undeclared.
describe('framework inference', () => {
  /** The workspace, `b` a Next.js app (its dependencies name `next`); `a` uses no framework. */
  function nextApp(config: object = {}): string {
    const dir = workspace(config, { 'p/b/package.json': JSON.stringify({ name: 'b', dependencies: { a: '*', next: '15.0.0' }, scripts: { build: 'node ../../build.cjs' } }) });
    return dir;
  }

  it('NEXT_PUBLIC_* reaches a Next.js package and its hash, and only that package', () => {
    const dir = nextApp();
    expect(runOrch(['run', 'build'], dir, { NEXT_PUBLIC_API: 'https://one' }).code).toBe(0);
    expect(seen(dir, 'b').NEXT_PUBLIC_API).toBe('https://one');
    expect(seen(dir, 'a')).not.toHaveProperty('NEXT_PUBLIC_API');
    resetRuns(dir);
    expect(runOrch(['run', 'build'], dir, { NEXT_PUBLIC_API: 'https://two' }).code).toBe(0);
    expect(runs(dir)).toEqual(['b']);
    expect(seen(dir, 'b').NEXT_PUBLIC_API).toBe('https://two');
    const report = explain(dir, 'b#build', { NEXT_PUBLIC_API: 'https://two' });
    expect(Object.keys(report.inputs.env)).toEqual(['NEXT_PUBLIC_API']);
    expect(report.envInferred).toEqual({ framework: 'Next.js', patterns: ['NEXT_PUBLIC_*'], names: ['NEXT_PUBLIC_API'] });
    expect(explain(dir, 'a#build', { NEXT_PUBLIC_API: 'https://two' })).not.toHaveProperty('envInferred');
  });

  it('an env exclusion, frameworkInference: false or --framework-inference=false leaves the variable out', () => {
    const excluded = nextApp({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['!NEXT_PUBLIC_SECRET'] } } });
    runOrch(['run', 'b#build'], excluded, { NEXT_PUBLIC_API: 'x', NEXT_PUBLIC_SECRET: 's' });
    expect(seen(excluded, 'b')).toMatchObject({ NEXT_PUBLIC_API: 'x' });
    expect(seen(excluded, 'b')).not.toHaveProperty('NEXT_PUBLIC_SECRET');

    const off = nextApp({ frameworkInference: false });
    runOrch(['run', 'b#build'], off, { NEXT_PUBLIC_API: 'x' });
    expect(seen(off, 'b')).not.toHaveProperty('NEXT_PUBLIC_API');

    const flag = nextApp();
    runOrch(['run', 'b#build', '--framework-inference=false'], flag, { NEXT_PUBLIC_API: 'x' });
    expect(seen(flag, 'b')).not.toHaveProperty('NEXT_PUBLIC_API');
    resetRuns(flag);
    // The same run with another value: nothing hashed it, so it is a hit.
    runOrch(['run', 'b#build', '--framework-inference=false'], flag, { NEXT_PUBLIC_API: 'y' });
    expect(runs(flag)).toEqual([]);
  });

  it("the framework's conditional variable: VERCEL_DEPLOYMENT_ID only with skew protection on", () => {
    const dir = nextApp();
    runOrch(['run', 'b#build'], dir, { VERCEL_DEPLOYMENT_ID: 'd1' });
    expect(seen(dir, 'b')).not.toHaveProperty('VERCEL_DEPLOYMENT_ID');
    runOrch(['run', 'b#build'], dir, { VERCEL_DEPLOYMENT_ID: 'd1', VERCEL_SKEW_PROTECTION_ENABLED: '1' });
    expect(seen(dir, 'b').VERCEL_DEPLOYMENT_ID).toBe('d1');
  });
});
