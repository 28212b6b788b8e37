import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exampleRepo } from '../helpers/tempRepo.js';
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
