import { describe, expect, it } from 'vitest';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';
import { runOrch } from '../helpers/runOrch.js';

const events = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
const outcome = (stdout: string, id: string) => events(stdout).find((e) => e.type === 'task-finished' && e.outcome.id === id)?.outcome;

describe('the node executor (worker threads)', () => {
  const repo = (extra: Record<string, string> = {}, config: object = {}) =>
    tempRepo({
      'tasks/greet.mjs': "export default async function ({ taskId, args }) { console.log(`hello from ${taskId}`, args.join(' ')); process.stderr.write('to stderr\\n'); }\n",
      'tasks/other.mjs': "export async function run({ taskId }) { for (let i = 0; i < 3; i++) console.log(`${taskId} line ${i}`); return 0; }\n",
      'tasks/typed.ts': "interface Ctx { taskId: string }\nexport default function (ctx: Ctx): number { console.log(`typed ${ctx.taskId}`); return 0; }\n",
      'tasks/exit3.mjs': 'export default () => 3;\n',
      'tasks/none.mjs': 'export const answer = 42;\n',
      'tasks/throws.mjs': "export default () => { throw new Error('bad input file'); };\n",
      'tasks/crash.mjs': 'export default () => { process.exit(7); };\n',
      'tasks/hog.mjs': 'export default () => { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); };\n',
      ...extra,
      'orchestrator.config.json': JSON.stringify({
        workers: { maxHeapMb: 64 },
        commands: {
          greet: { module: 'tasks/greet.mjs' },
          other: { module: 'tasks/other.mjs', export: 'run' },
          typed: { module: 'tasks/typed.ts' },
          exit3: { module: 'tasks/exit3.mjs' },
          none: { module: 'tasks/none.mjs' },
          throws: { module: 'tasks/throws.mjs' },
          crash: { module: 'tasks/crash.mjs' },
          hog: { module: 'tasks/hog.mjs' },
        },
        ...config,
      }),
    });

  it('runs exported functions in worker threads and captures each task’s output on its own', () => {
    const run = runOrch(['run', 'greet', 'other', 'typed', '--json', '--', 'a', 'b'], repo());
    expect(run.code).toBe(0);
    const output = events(run.stdout).filter((e) => e.type === 'task-output');
    expect(output.filter((e) => e.id === 'greet').map((e) => [e.stream, e.text])).toEqual([
      ['stdout', 'hello from greet a b\n'],
      ['stderr', 'to stderr\n'],
    ]);
    expect(output.filter((e) => e.id === 'other').map((e) => e.text).join('')).toBe('other line 0\nother line 1\nother line 2\n');
    expect(output.filter((e) => e.id === 'typed').map((e) => e.text).join('')).toBe('typed typed\n');
  });

  it('fails the task, not orch, on a returned exit code, a throw, a crash or running out of memory', () => {
    const run = runOrch(['run', 'exit3', 'throws', 'crash', 'hog', 'greet', '--continue', '--json'], repo());
    expect(run.code).toBe(1);
    expect(outcome(run.stdout, 'exit3')).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(outcome(run.stdout, 'throws')).toMatchObject({ status: 'failed', error: 'bad input file' });
    expect(outcome(run.stdout, 'crash')).toMatchObject({ status: 'failed' });
    expect(outcome(run.stdout, 'crash').error).toMatch(/exit|terminated|7/i);
    expect(outcome(run.stdout, 'hog')).toMatchObject({ status: 'failed', error: 'the task ran out of memory in its worker thread (maxHeapMb)' });
    expect(outcome(run.stdout, 'greet')).toMatchObject({ status: 'succeeded' });
  });

  it('says what a module exports when it has no such function', () => {
    const run = runOrch(['run', 'none'], repo());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/tasks\/none\.mjs does not export a function named 'default' \(exports: answer\)/);
  });
});

describe('stages are plugins', () => {
  const repo = (plugin: string, extraConfig = '') =>
    tempRepo({
      '.claude/commands/hello.md': '---\ndescription: hello\nrun: echo hello\n---\n',
      '.claude/commands/prompt.md': '---\ndescription: a prompt for an agent\n---\nSummarise the repository.\n',
      'orchestrator.config.mjs': `export default { ${extraConfig} plugins: [${plugin}] };\n`,
    });

  it('a config plugin replaces a built-in stage plugin (triage) by name', () => {
    const replacement = "{ name: 'orch:triage', apply(engine) { engine.hooks.triage.tap('orch:triage', (task) => { task.profile = { timeout: 200, weight: 1, retries: 0, budgetPoints: 1, maxTurns: 1 }; }); } }";
    const dir = repo(replacement);
    const slowCommand = '---\ndescription: slow\nrun: sleep 5\n---\n';
    writeTree(dir, { '.claude/commands/slow.md': slowCommand });
    // The built-in gives an unclassified command no time limit; the replacement gives 200 ms.
    const run = runOrch(['run', 'slow'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('timed out after 200ms');
  });

  it('a gate added from the config fails a task with the reference design’s report', () => {
    const dir = repo(
      "{ name: 'acme:gates', apply(engine) { engine.hooks.preGates.tap('acme:gates', (gate) => { gate.report({ gate: 'acme:ticket', status: 'fail', message: 'no ticket linked' }); gate.report({ gate: 'acme:owner', status: 'pass', message: 'ok' }); }); } }",
    );
    const run = runOrch(['run', 'hello'], dir);
    expect(run.code).toBe(75);
    // The two gates of the plugin join the five built-in pre-execution gates.
    expect(run.stderr).toContain('Paused: hello failed at preGates: Quality gates failed (6/7): acme:ticket: no ticket linked');
    expect(run.stdout).not.toContain('hello: hello');
  });

  it('names a stage plugin that throws', () => {
    const dir = repo("{ name: 'acme:deploy-check', apply(engine) { engine.hooks.deploy.tap({ name: 'acme:deploy-check', stage: -100 }, () => { throw new Error('license server down'); }); } }");
    const run = runOrch(['run', 'hello'], dir);
    expect(run.code).toBe(75);
    expect(run.stderr).toContain("Paused: hello failed at deploy: plugin 'acme:deploy-check' failed in hook 'deploy': license server down");
  });

  it('names a stage plugin that never answers, after pluginTimeout', () => {
    const dir = repo("{ name: 'acme:stuck', apply(engine) { engine.hooks.persist.tapPromise('acme:stuck', () => new Promise(() => {})); } }", "pluginTimeout: '300ms',");
    const run = runOrch(['run', 'hello'], dir);
    expect(run.code).toBe(75);
    expect(run.stderr).toContain("Paused: hello failed at persist: plugin 'acme:stuck' failed in hook 'persist': did not answer within 300 ms (pluginTimeout)");
  });

  it('fails clearly when no executor can run a task', () => {
    const dir = tempRepo({
      '.claude/commands/prompt.md': '---\ndescription: a prompt\n---\nSummarise.\n',
      'orchestrator.config.json': JSON.stringify({ disablePlugins: ['orch:agent'], commands: { empty: { description: 'nothing to run' } } }),
    });
    const empty = runOrch(['run', 'empty'], dir);
    expect(empty.code).toBe(75);
    expect(empty.stderr).toContain('Paused: empty failed at deploy: no executor can run empty: it has no run steps, no module and is not a prompt');
    const prompt = runOrch(['run', 'prompt'], dir);
    expect(prompt.code).toBe(1);
    expect(prompt.stderr).toContain("Failed: prompt at execute: no executor plugin runs 'agent' tasks; add one, or check disablePlugins");
  });

  it('refuses to run when a definition is broken (a timeout that is not a duration)', () => {
    const dir = tempRepo({ '.claude/commands/x.md': '---\ndescription: x\ntimeout: soonish\nrun: echo x\n---\n' });
    const run = runOrch(['run', 'x'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("timeout: expected a duration such as 30s, 5m or 1h30m, found 'soonish'");
    expect(run.stderr).toContain('nothing was run');
  });
});
