import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exampleRepo, tempRepo } from '../helpers/tempRepo.js';
import { ORCH_BIN } from '../helpers/runOrch.js';

describe('the live terminal view', () => {
  it('draws running tasks and a progress bar in a real terminal, then the summary', () => {
    const dir = exampleRepo();
    // `script` gives orch a pseudo-terminal, as a person's shell would.
    const command = `${process.execPath} ${ORCH_BIN} run ci`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '', COLUMNS: '100' } });
    expect(result.status).toBe(0);
    const screen = result.stdout;
    expect(screen).toMatch(/\x1b\[\d+F\x1b\[0J/); // the footer is redrawn in place
    const text = screen.replace(/\x1b\[[\d;]*[A-Za-z]/g, '');
    expect(text).toMatch(/[█░]{24} \d+\/11  ✔ \d+  ✖ 0  ↷ 0/); // progress bar, done/total, counts
    expect(text).toMatch(/● @demo\/\w+#\w+/); // a running task
    expect(text).toContain('Tasks:  11 succeeded (11 total)');
    expect(text).toContain('@demo/web#test: @demo/web: 1 passed, 0 failed');
  });
});

describe('colour for tasks', () => {
  // A shell task and a module task (worker thread) print what they were given.
  const repo = () =>
    tempRepo({
      'orchestrator.config.json': JSON.stringify({
        commands: {
          shell: { run: 'echo "shell FORCE_COLOR=[$FORCE_COLOR] COLUMNS=[$COLUMNS] NO_COLOR=[$NO_COLOR]"', inputs: [] },
          module: { module: 'colors.mjs', inputs: [] },
        },
      }),
      'colors.mjs': 'export default () => console.log(`module FORCE_COLOR=[${process.env.FORCE_COLOR ?? ""}] COLUMNS=[${process.env.COLUMNS ?? ""}]`);\n',
    });
  /** Runs orch in a pseudo-terminal (`script`), as from a person's shell, and returns what it printed. */
  const inTerminal = (dir: string, env: Record<string, string>, flags = ''): string => {
    const command = `${process.execPath} ${ORCH_BIN} run shell module --force --reporter plain ${flags}`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...withoutColorSettings(), COLUMNS: '123', ...env } });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('Warning');
    return result.stdout.replace(/\x1b\[[\d;]*[A-Za-z]/g, '');
  };
  /** This process's environment without what says whether to colour. */
  const withoutColorSettings = (): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    for (const name of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'COLORTERM', 'COLUMNS', 'TERM']) delete env[name];
    return env;
  };

  it("gives tasks FORCE_COLOR at the terminal's level and COLUMNS, in shell and worker-thread tasks", () => {
    const dir = repo();
    const colors256 = inTerminal(dir, { TERM: 'xterm-256color' });
    expect(colors256).toContain('shell FORCE_COLOR=[2] COLUMNS=[123] NO_COLOR=[]');
    expect(colors256).toContain('module FORCE_COLOR=[2] COLUMNS=[123]');
    expect(inTerminal(dir, { TERM: 'xterm-256color', COLORTERM: 'truecolor' })).toContain('shell FORCE_COLOR=[3]');
    expect(inTerminal(dir, { TERM: 'xterm' })).toContain('shell FORCE_COLOR=[1]');
  });

  it('lets NO_COLOR and --no-color win: NO_COLOR is passed and FORCE_COLOR is not', () => {
    const dir = repo();
    expect(inTerminal(dir, { TERM: 'xterm-256color', NO_COLOR: '1' })).toContain('shell FORCE_COLOR=[] COLUMNS=[123] NO_COLOR=[1]');
    // FORCE_COLOR in orch's own environment too: --no-color still wins.
    const flag = inTerminal(dir, { TERM: 'xterm-256color', FORCE_COLOR: '3' }, '--no-color');
    expect(flag).toContain('shell FORCE_COLOR=[] COLUMNS=[123] NO_COLOR=[1]');
    expect(flag).toContain('module FORCE_COLOR=[] COLUMNS=[123]');
  });

  it('sets nothing when the output is not a terminal', () => {
    const dir = repo();
    const piped = spawnSync(process.execPath, [ORCH_BIN, 'run', 'shell'], { cwd: dir, encoding: 'utf8', env: { ...withoutColorSettings(), TERM: 'xterm-256color' } });
    expect(piped.stdout).toContain('shell FORCE_COLOR=[] COLUMNS=[] NO_COLOR=[]');
  });
});
