import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';

// Issue 12 findings, #3: names people write that are also Object.prototype's properties.
const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

describe("names of Object.prototype's properties are names like any other", () => {
  it('a front matter key named so is kept and blocks nothing: list, run, validate and show work', () => {
    const files: Record<string, string> = { '.claude/commands/hello.md': '---\ndescription: hi\nrun: echo hello\n---\n' };
    for (const name of NAMES) files[`.claude/commands/key-${name}.md`] = `---\n${name}: x\ndescription: has ${name}\ngates:\n  ${name}: false\n---\nbody\n`;
    const dir = tempRepo(files);

    const list = runOrch(['list'], dir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n').filter(Boolean)).toHaveLength(NAMES.length + 1);
    const run = runOrch(['run', 'hello'], dir, { CI: '1' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('hello: hello');

    // Each gate name is checked as any other: none of these is a gate.
    const validate = runOrch(['validate'], dir);
    expect(validate.code).toBe(2);
    for (const name of NAMES) expect(validate.stderr).toContain(`.claude/commands/key-${name}.md:5:3: error: no gate is named '${name}' [gates/unknown]`);
    expect(validate.stderr).not.toMatch(/plugin '.*' failed|is not a function/);

    for (const name of NAMES) expect(runOrch(['show', `key-${name}`], dir).stdout).toContain(`  ${name}: `);
  });

  it('config commands, workflows and targets named so are listed, resolved as dependencies, run, and recorded in the session', () => {
    const dir = commitAll(
      tempRepo({
        'orchestrator.config.json': JSON.stringify({
          // A computed key: `__proto__:` in an object literal would set its prototype, not a key.
          commands: { constructor: { run: 'echo built', resources: { constructor: 1 } }, toString: { run: 'echo text', dependencies: ['constructor'] }, ['__proto__']: { run: 'echo proto' } },
          workflows: { valueOf: { steps: ['toString', '__proto__'] } },
          targets: { hasOwnProperty: { dependsOn: [] } },
          resources: { constructor: 1 },
        }),
        '.gitignore': '.orch/\n',
      }),
    );
    const list = runOrch(['list'], dir);
    expect(list.stdout.split('\n').map((line) => line.split(/\s+/)[0]).filter(Boolean)).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    expect(runOrch(['validate'], dir).code).toBe(0);

    const run = runOrch(['run', 'valueOf', '--reporter', 'plain'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/constructor: built[\s\S]*toString: text/);
    expect(run.stdout).toContain('__proto__: proto');
    // Twice: the durations and the session state are read back by name.
    expect(runOrch(['run', 'valueOf', '--reporter', 'plain'], dir).stderr).toContain('✔ constructor (cached local');
    const sessions = JSON.parse(runOrch(['sessions', '--json'], dir).stdout) as { tasks: Record<string, number> }[];
    expect(sessions[0]!.tasks).toEqual({ succeeded: 4 });
  });

  it('package scripts named so are commands; `pretoString` is a script of its own, not a step of toString', () => {
    const dir = tempRepo({ 'package.json': JSON.stringify({ name: 'pkg', scripts: { constructor: 'echo made', pretoString: 'echo before' } }) });
    const list = runOrch(['list'], dir);
    expect(list.stdout.split('\n').map((line) => line.split(/\s+/)[0]).filter(Boolean)).toEqual(['pkg#constructor', 'pkg#pretoString']);
    expect(runOrch(['run', 'pkg#pretoString', '--reporter', 'plain'], dir).stdout).toContain('before');
  });

  it('`orch constructor` is an unknown command, not a crash', () => {
    for (const name of NAMES) {
      const run = runOrch([name], tempRepo());
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toContain(`orch: unknown command '${name}'`);
    }
  });
});
