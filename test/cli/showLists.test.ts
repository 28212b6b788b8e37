import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Found by a fresh tester (session 26): `env: []` was shown as an `env:` line with nothing after it.
describe('orch show', () => {
  it("prints a list the command declares empty as 'none', and leaves out one it does not declare", () => {
    const dir = tempRepo({ '.claude/commands/build.md': '---\ndescription: Build\nrun: echo hi\nenv: []\noutputs: [dist/**]\n---\n' });
    const shown = runOrch(['show', 'build'], dir);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^ {2}env: +none$/m);
    expect(shown.stdout).toMatch(/^ {2}outputs: +dist\/\*\*$/m);
    expect(shown.stdout).not.toMatch(/^ {2}inputs:/m);
  });
});
