import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';
import { config, sessionEvents, sessionIds } from './helpers.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fixtures/fake-agent/claude', import.meta.url));

/** Fails (exit `code`, default 1) until it has run more than `times` times; counts its runs in `<name>.count`. */
const FLAKY = `const fs = require('fs'); const [name, times, code] = process.argv.slice(2);
const file = name + '.count'; const n = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
fs.writeFileSync(file, String(n)); console.log(name + ' run ' + n); process.exit(n > Number(times) ? 0 : Number(code || 1));\n`;
const count = (dir: string, name: string) => Number(readFileSync(join(dir, `${name}.count`), 'utf8'));

describe('retry', () => {
  it('retries with backoff until an attempt passes, recording each attempt', () => {
    const dir = tempRepo({
      'flaky.js': FLAKY,
      'orchestrator.config.json': config({ commands: { flaky: { run: 'node flaky.js flaky 2', retry: { maxAttempts: 3, initialInterval: '20ms', backoffCoefficient: 2, jitter: false } } } }),
    });
    const run = runOrch(['run', 'flaky'], dir);
    expect(run.code).toBe(0);
    expect(count(dir, 'flaky')).toBe(3);
    expect(run.stderr).toContain('retry after execute failed (attempt 1): attempt 2 of 3 in 20ms');
    expect(run.stderr).toContain('retry after execute failed (attempt 2): attempt 3 of 3 in 40ms');
    expect(run.stderr).toMatch(/✔ flaky .* after 3 attempts/);
    const recoveries = sessionEvents(dir).filter((e) => e.type === 'task-recovery');
    expect(recoveries.map((e) => [e.strategy, e.action, e.attempt, e.delayMs])).toEqual([
      ['retry', 'retry', 1, 20],
      ['retry', 'retry', 2, 40],
    ]);
  });

  it('gives up after maxAttempts, and at once on a non-retryable exit code', () => {
    const dir = tempRepo({
      'flaky.js': FLAKY,
      'orchestrator.config.json': config({
        commands: {
          never: { run: 'node flaky.js never 9', retry: { maxAttempts: 2, initialInterval: '10ms' } },
          fatal: { run: 'node flaky.js fatal 9 3', retry: { maxAttempts: 5, initialInterval: '10ms', nonRetryable: [3] } },
        },
      }),
    });
    const never = runOrch(['run', 'never'], dir);
    expect(never.code).toBe(1);
    expect(count(dir, 'never')).toBe(2);
    expect(never.stderr).toContain('never: ↻ retry after execute failed (attempt 2): gave up after 2 attempts\n');
    expect(never.stderr).toMatch(/✖ never failed at execute: exited with code 1 \(\d/);
    const fatal = runOrch(['run', 'fatal'], dir);
    expect(fatal.code).toBe(1);
    expect(count(dir, 'fatal')).toBe(1);
    expect(fatal.stderr).toContain('fatal: ↻ retry after execute failed (attempt 1): not retryable (exit code 3)\n');
  });
});

/** How every rollback message says to keep a failed task's files (issue 15, part 6). */
const KEEP_FILES = "to keep a failed task's files, set `recovery: none` on its target or command";

describe('rollback (the default for execution failures)', () => {
  it('restores tracked files the task changed and removes files it created, in a real git repository', () => {
    const dir = commitAll(
      tempRepo({
        'data.txt': 'original\n',
        'keep.txt': 'untouched\n',
        'mutate.js': `const fs = require('fs'); fs.writeFileSync('data.txt', 'broken\\n'); fs.writeFileSync('notes.txt', 'scribbled\\n'); fs.writeFileSync('new.txt', 'debris\\n'); fs.rmSync('keep.txt'); process.exit(1);\n`,
        'orchestrator.config.json': config({ commands: { mutate: { run: 'node mutate.js', recovery: 'rollback' } } }),
      }),
    );
    // An untracked file that existed before the task: restored to what it was.
    writeTree(dir, { 'notes.txt': 'my notes\n' });
    const run = runOrch(['run', 'mutate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`mutate: ⟲ rollback after execute failed (attempt 1): removed new.txt; restored data.txt, keep.txt, notes.txt (as before the task ran); ${KEEP_FILES}\n`);
    // Said once: the task's ✖ line does not repeat it.
    expect(run.stderr.split('as before the task ran')).toHaveLength(2);
    expect(run.stderr).toMatch(/✖ mutate failed at execute: exited with code 1 \(\d/);
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('original\n');
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('untouched\n');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(existsSync(join(dir, 'new.txt'))).toBe(false);
    const recovery = sessionEvents(dir).find((e) => e.type === 'task-recovery')!;
    expect(recovery.details).toEqual({ restored: ['data.txt', 'keep.txt', 'notes.txt'], removed: ['new.txt'] });
  });

  it('rolls back an agent prompt by default; a script or config command only through its declared outputs', () => {
    const dir = commitAll(
      tempRepo({
        'out/a.txt': 'old a\n',
        '.claude/commands/edit.md': '---\ndescription: edits\n---\nEdit the code. SCENARIO:fail\n',
        'build.js': `const fs = require('fs'); fs.writeFileSync('out/a.txt', 'half-written'); fs.writeFileSync('out/b.txt', 'partial'); fs.writeFileSync('report.txt', 'kept'); process.exit(2);\n`,
        'orchestrator.config.json': config({
          agent: { command: FAKE_CLAUDE },
          globalPassThroughEnv: ['FAKE_AGENT_LOG'],
          commands: { build: { run: 'node build.js', outputs: ['out/**'] }, report: { run: 'node -e "require(\'fs\').writeFileSync(\'junit.xml\',\'<failures/>\');process.exit(1)"' } },
        }),
      }),
    );
    // The fake agent writes its log into the worktree, then fails: the file it created goes.
    const edit = runOrch(['run', 'edit'], dir, { FAKE_AGENT_LOG: join(dir, 'agent-notes.txt') });
    expect(edit.code).toBe(1);
    expect(edit.stderr).toContain(`⟲ rollback after execute failed (attempt 1): removed agent-notes.txt (as before the task ran); ${KEEP_FILES}\n`);
    expect(existsSync(join(dir, 'agent-notes.txt'))).toBe(false);

    const build = runOrch(['run', 'build'], dir);
    expect(build.stderr).toContain(`build: ⟲ rollback after execute failed (attempt 1): removed out/b.txt; restored out/a.txt (as before the task ran); ${KEEP_FILES}\n`);
    expect(readFileSync(join(dir, 'out/a.txt'), 'utf8')).toBe('old a\n');
    expect(existsSync(join(dir, 'out/b.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toBe('kept');

    // No outputs declared: a failing test run keeps its report, and nothing is said about rollback.
    const report = runOrch(['run', 'report'], dir);
    expect(report.code).toBe(1);
    expect(report.stderr).not.toContain('rollback');
    expect(existsSync(join(dir, 'junit.xml'))).toBe(true);
  });

  it('recovery: none leaves everything as the task left it, and says nothing about recovery', () => {
    const dir = commitAll(tempRepo({ 'data.txt': 'original\n', 'orchestrator.config.json': config({ commands: { mutate: { run: `node -e "require('fs').writeFileSync('data.txt','broken');process.exit(1)"`, outputs: ['data.txt'], recovery: 'none' } } }) }));
    const run = runOrch(['run', 'mutate'], dir);
    expect(run.code).toBe(1);
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('broken');
    expect(run.stderr).not.toContain('⟲');
    expect(run.stderr).not.toContain('no recovery');
    expect(run.stderr).toMatch(/✖ mutate failed at execute: exited with code 1 \(\d/);
  });

  it('with --output-logs=errors-only, prints the rollback after the output held for the failed task, not before it', () => {
    const dir = commitAll(
      tempRepo({
        'build.js': `const fs = require('fs'); fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/a.txt', 'partial'); console.error('compiling'); process.stderr.write('Error: no space left'); process.exit(1);\n`,
        'orchestrator.config.json': config({ commands: { build: { run: 'node build.js', outputs: ['out/**'] } } }),
      }),
    );
    for (const order of ['stream', 'grouped']) {
      const run = runOrch(['run', 'build', '--output-logs=errors-only', `--log-order=${order}`], dir);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n');
      const at = (start: string): number => lines.findIndex((line) => line.startsWith(start));
      expect(at('build: compiling'), run.stderr).toBeGreaterThanOrEqual(0);
      // Its unfinished last line too: the rollback line does not split or pass it.
      expect(at('build: Error: no space left'), run.stderr).toBeGreaterThan(at('build: compiling'));
      expect(at('build: ⟲ rollback after execute failed (attempt 1): removed out/a.txt'), run.stderr).toBeGreaterThan(at('build: Error: no space left'));
      expect(at('✖ build failed at execute'), run.stderr).toBeGreaterThan(at('build: ⟲ rollback'));
      expect(run.stderr.split('as before the task ran')).toHaveLength(2);
    }
  });
});

describe('partial recovery', () => {
  it('re-runs an execution from the step that failed, not from the start', () => {
    const dir = tempRepo({
      'flaky.js': FLAKY,
      'orchestrator.config.json': config({
        commands: { steps: { run: ['node flaky.js one 0', 'node flaky.js two 1', 'node flaky.js three 0'], recovery: { execute: 'partial-recovery' } } },
      }),
    });
    const run = runOrch(['run', 'steps'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('partial-recovery after execute failed (attempt 1): running again from step 2');
    expect([count(dir, 'one'), count(dir, 'two'), count(dir, 'three')]).toEqual([1, 2, 1]);
  });

  it('runs the fix-up, then only the validation that failed (the default for validation failures)', () => {
    const dir = tempRepo({
      'cov.js': `require('fs').writeFileSync('cov.json', JSON.stringify({ pct: Number(process.argv[2]) }));\n`,
      '.claude/commands/coverage.md': [
        '---',
        'description: measures coverage',
        'run: node cov.js 50',
        'fixup: node cov.js 90',
        'outputs: [cov.json]',
        'gates:',
        '  orch:quality-metrics:',
        '    options:',
        '      metrics: [{ name: coverage, file: cov.json, path: pct, min: 80 }]',
        '---',
        'Coverage.',
        '',
      ].join('\n'),
    });
    const run = runOrch(['run', 'coverage', '--json'], dir);
    expect(run.code).toBe(0);
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    const recovery = events.find((e) => e.type === 'task-recovery')!;
    expect(recovery).toMatchObject({ strategy: 'partial-recovery', action: 'retry', stage: 'postValidate', message: 'ran the fix-up `node cov.js 90`; checking again: orch:quality-metrics' });
    const checks = events.filter((e) => e.type === 'task-stage' && e.stage === 'postValidate');
    expect(checks.map((e) => e.status)).toEqual(['failed', 'passed']);
    // Only the failed gate ran again; the others' verdicts stand.
    expect(checks[1]!.rechecked).toEqual(['orch:quality-metrics']);
    expect(checks[1]!.verdicts.find((v: { gate: string }) => v.gate === 'orch:quality-metrics')).toMatchObject({ status: 'pass', message: expect.stringContaining('coverage 90') });
  });
});

describe('manual intervention (the default for quality gate failures)', () => {
  const files = {
    'orchestrator.config.json': config({
      complexityBudget: 1,
      commands: { big: { run: 'echo big > big.txt', complexity: 'medium' }, after: { run: 'echo after > after.txt', dependencies: ['big'] } },
    }),
  };

  it('pauses the session with exit code 75, the reason and what to do; resume continues once the cause is fixed', () => {
    const dir = tempRepo(files);
    const run = runOrch(['run', 'after'], dir);
    expect(run.code).toBe(75);
    const [id] = sessionIds(dir);
    expect(run.stderr).toContain('⏸ big awaits intervention (failed at preGates)');
    expect(run.stderr).toContain('Paused: big failed at preGates: Quality gates failed (4/5): orch:complexity-budget:');
    expect(run.stderr).toContain(`to do: fix the cause, then \`orch resume ${id}\` to run big again, or \`orch resume ${id} --skip big\` to go on without it`);
    expect(runOrch(['sessions'], dir).stdout).toMatch(new RegExp(`${id}\\s+awaiting-intervention`));
    const finished = sessionEvents(dir).find((e) => e.type === 'task-finished' && e.outcome.id === 'big')!;
    expect(finished.outcome.intervention.reason).toContain('complexity');

    // Still over budget: paused again.
    expect(runOrch(['resume', id!], dir).code).toBe(75);
    writeTree(dir, { 'orchestrator.config.json': files['orchestrator.config.json'].replace('"complexityBudget": 1', '"complexityBudget": 10') });
    const resumed = runOrch(['resume', id!], dir);
    expect(resumed.code).toBe(0);
    expect(existsSync(join(dir, 'after.txt'))).toBe(true);
    expect(sessionIds(dir)).toEqual([id]);
    expect(runOrch(['sessions', '--json'], dir).stdout).toContain('"status": "completed"');
  });

  it('resume --skip goes on without the paused task', () => {
    const dir = tempRepo(files);
    expect(runOrch(['run', 'after'], dir).code).toBe(75);
    const [id] = sessionIds(dir);
    const typo = runOrch(['resume', id!, '--skip', 'bgi'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean 'big'?");
    const skipped = runOrch(['resume', id!, '--skip', 'big'], dir);
    expect(skipped.code).toBe(0);
    expect(existsSync(join(dir, 'big.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'after.txt'), 'utf8')).toBe('after\n');
  });
});

describe('circuit breaker', () => {
  it('opens after N agent failures: the remaining agent tasks fail fast without starting the agent', () => {
    const prompts = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((name) => [`.claude/commands/${name}.md`, `---\ndescription: ${name}\n---\nDo ${name}. SCENARIO:fail\n`]));
    const dir = tempRepo({ ...prompts, 'orchestrator.config.json': config({ agent: { command: FAKE_CLAUDE }, globalPassThroughEnv: ['FAKE_AGENT_LOG'], recovery: 'none', circuitBreakers: { agent: { failures: 2, window: '1m', cooldown: '10m' } } }) });
    const log = join(dir, 'agent.log');
    const run = runOrch(['run', 'a', 'b', 'c', 'd', 'e', '--continue', '--concurrency', '1'], dir, { FAKE_AGENT_LOG: log });
    expect(run.code).toBe(1);
    // Two real calls; then the circuit is open.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/circuit open for agent:.*claude after 2 failures within 60s; next trial in \d+s/);
    const breakers = sessionEvents(dir).filter((e) => e.type === 'breaker');
    expect(breakers.at(-1)).toMatchObject({ state: 'open', failures: 2 });
  });
});

describe('saga compensation', () => {
  it('runs the compensations of completed workflow steps in reverse order when a later step fails', () => {
    const dir = tempRepo({
      'trail.js': `require('fs').appendFileSync('trail.txt', process.argv[2] + '\\n');`,
      'orchestrator.config.json': config({
        commands: {
          schema: { run: 'node trail.js schema' },
          data: { run: 'node trail.js data', dependencies: ['schema'] },
          deploy: { run: 'node trail.js deploy-failed && exit 1', dependencies: ['data'] },
        },
        workflows: {
          release: {
            steps: [
              { command: 'schema', compensate: 'node trail.js undo-schema' },
              { command: 'data', compensate: 'node trail.js undo-data' },
              { command: 'deploy', compensate: 'node trail.js undo-deploy' },
            ],
          },
        },
      }),
    });
    const run = runOrch(['run', 'release'], dir);
    expect(run.code).toBe(1);
    expect(readFileSync(join(dir, 'trail.txt'), 'utf8').trim().split('\n')).toEqual(['schema', 'data', 'deploy-failed', 'undo-data', 'undo-schema']);
    const compensations = sessionEvents(dir).filter((e) => e.type === 'compensation');
    expect(compensations.map((e) => [e.name, e.status])).toEqual([
      ['data', 'passed'],
      ['schema', 'passed'],
    ]);
  });

  it('compensates the completed run steps of a markdown command', () => {
    const dir = tempRepo({
      'trail.js': `require('fs').appendFileSync('trail.txt', process.argv[2] + '\\n'); process.exit(process.argv[3] ? 1 : 0);`,
      '.claude/commands/migrate.md': [
        '---',
        'description: migrates',
        'recovery: none',
        'run:',
        '  - { name: one, run: node trail.js one, compensate: node trail.js undo-one }',
        '  - { name: two, run: node trail.js two, compensate: node trail.js undo-two }',
        '  - { name: three, run: node trail.js three fail, compensate: node trail.js undo-three }',
        '---',
        'Migrate.',
        '',
      ].join('\n'),
    });
    expect(runOrch(['run', 'migrate'], dir).code).toBe(1);
    expect(readFileSync(join(dir, 'trail.txt'), 'utf8').trim().split('\n')).toEqual(['one', 'two', 'three', 'undo-two', 'undo-one']);
  });
});
