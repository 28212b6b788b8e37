import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Config files that used to hang orch, crash it with Node's stack trace, or end it in silence
// (issue 12 part 8; findings 12 #4 and 11 #7). Each case runs the built binary with a time limit:
// a hang fails the test (code -1) instead of blocking the suite.
const LIMIT = { timeoutMs: 25_000 };
const HELLO = { '.claude/commands/hello.md': '---\ndescription: say hi\n---\nhi\n' };

/** The first located error line of stderr: `file:line:col: error: message`. */
const located = (stderr: string) => /^(\S+):(\d+):(\d+): error: (.*) \[config\/load-failed\]$/m.exec(stderr)?.slice(1);

describe('a config that leaves something running', () => {
  it.each([
    ['a timer', 'setInterval(() => {}, 1000);\n'],
    ['a server', "import { createServer } from 'node:http';\ncreateServer().listen(0);\n"],
  ])('with %s open, orch ends once its command is done, with all of its output', (_what, opener) => {
    const commands = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`c${i}`, { run: `echo ${i}` }]));
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.mjs': `${opener}export default ${JSON.stringify({ commands })};\n` });
    const list = runOrch(['list'], dir, {}, LIMIT);
    expect(list.code).toBe(0);
    // Through a pipe, every line is out before the process ends.
    expect(list.stdout.trim().split('\n')).toHaveLength(4001);
    const run = runOrch(['run', 'c7'], dir, {}, LIMIT);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('c7');
  });
});

describe('a config that fails without throwing', () => {
  it('an import of a file or package that is not there is located at the import, with what to do', () => {
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.mjs': "// settings\nimport { shared } from './shared.mjs';\nimport pick from 'no-such-package-here';\n\nexport default { ...shared, pick };\n" });
    const run = runOrch(['list'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)?.slice(0, 3)).toEqual(['orchestrator.config.mjs', '2', '24']);
    expect(run.stderr).toContain('hint: create shared.mjs, or import a file that exists');
    const packaged = tempRepo({ ...HELLO, 'orchestrator.config.mjs': "// settings\n\nimport pick from 'no-such-package-here';\nexport default { pick };\n" });
    const missingPackage = runOrch(['list'], packaged, {}, LIMIT);
    expect(located(missingPackage.stderr)?.slice(0, 3)).toEqual(['orchestrator.config.mjs', '3', '18']);
    expect(missingPackage.stderr).toContain('hint: install no-such-package-here (npm install no-such-package-here), or remove the import');
  });

  it("a missing import in a file the config imports is located in that file; a package's subpath names the package to install", () => {
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.mjs': "import shared from './lib/shared.mjs';\n\nexport default shared;\n", 'lib/shared.mjs': "export const n = 1;\nimport gone from './gone.mjs';\nexport default { gone };\n" });
    const run = runOrch(['validate'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)?.slice(0, 3)).toEqual([join('lib', 'shared.mjs'), '2', '18']);
    expect(run.stderr).toContain(`hint: create ${join('lib', 'gone.mjs')}, or import a file that exists`);
    // validate still checks the command files, rooted at the config (not at the imported file).
    expect(run.stderr).toContain('note: orchestrator.config.mjs could not be loaded');
    const typed = tempRepo({ ...HELLO, 'orchestrator.config.ts': "import fp from 'no-such-package-here/fp';\nexport default { fp };\n" });
    expect(runOrch(['list'], typed, {}, LIMIT).stderr).toContain('hint: install no-such-package-here (npm install no-such-package-here), or remove the import');
  });

  it('a promise rejected with nothing to handle it is a located config error, without a stack trace', () => {
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.mjs': "const answer = 42;\nPromise.reject(new Error('stray'));\nexport default {};\n" });
    const run = runOrch(['list'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)).toEqual(['orchestrator.config.mjs', '2', '16', 'a promise of the config was rejected and nothing handled it: stray']);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('a callback of the config that throws while it loads is a located config error', () => {
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.mjs': "setTimeout(() => { throw new Error('late'); }, 0);\nawait new Promise((resolve) => setTimeout(resolve, 50));\nexport default {};\n" });
    const run = runOrch(['list'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)).toEqual(['orchestrator.config.mjs', '1', '26', 'a callback of the config threw: late']);
  });

  it('a rejection the config leaves for later, after it loaded, is still its located error (exit 2), not a stack trace', () => {
    const dir = tempRepo({
      'orchestrator.config.mjs': "setTimeout(() => Promise.reject(new Error('later')), 300);\nexport default { commands: { slow: { run: 'sleep 2' } } };\n",
    });
    const run = runOrch(['run', 'slow'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)).toEqual(['orchestrator.config.mjs', '1', expect.any(String), 'a promise of the config was rejected and nothing handled it: later']);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it.each([['process.exit(0)', '0'], ['process.exit()', '']])('%s while the config loads is a located config error, not a silent exit', (call, code) => {
    const dir = tempRepo({ ...HELLO, 'orchestrator.config.ts': `const ready: boolean = true;\nif (ready) ${call};\nexport default {};\n` });
    const run = runOrch(['list'], dir, {}, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)?.slice(0, 2)).toEqual(['orchestrator.config.ts', '2']);
    expect(run.stderr).toContain(`the config called process.exit(${code}) while orch loaded it`);
    expect(run.stdout).toBe('');
  });
});

describe('a config that never gives the thread back', () => {
  it.each([
    ['a loop at the top level', 'orchestrator.config.js', 'let spins = 0;\nwhile (true) spins++;\nexport default {};\n', 3],
    ['a loop in a TypeScript function', 'orchestrator.config.ts', 'function spin(): void {\n  for (;;) {}\n}\nspin();\nexport default {};\n', 5],
    ['a loop in the exported function', 'orchestrator.config.mjs', 'export default () => {\n  while (true) {}\n};\n', 1],
    ['a loop in CommonJS', 'orchestrator.config.cjs', 'module.exports = (() => {\n  while (true) {}\n})();\n', 1],
  ])('%s is stopped after ORCH_CONFIG_TIMEOUT and reported as the config error (exit 2)', (_what, file, text, line) => {
    const run = runOrch(['list'], tempRepo({ ...HELLO, [file]: text }), { ORCH_CONFIG_TIMEOUT: '500ms' }, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)).toEqual([file, String(line), '1', 'the config was still running after 500 ms: a loop that never ends?']);
    expect(run.stderr).toContain('hint: make the config\'s code finish, or raise ORCH_CONFIG_TIMEOUT (default 10s)');
  });

  it.each([
    ['after an import', 'orchestrator.config.ts', "import { join } from 'node:path';\nconst at: string = join('a', 'b');\nwhile (at) {}\nexport default {};\n", '3:1'],
    ['in an ES module, which Node imports itself', 'orchestrator.config.mjs', 'let spins = 0;\nwhile (true) spins++;\nexport default {};\n', '2:1'],
    ['after an await', 'orchestrator.config.mjs', 'await new Promise((resolve) => setTimeout(resolve, 10));\nwhile (true) {}\nexport default {};\n', '2:1'],
    ['in an async exported function', 'orchestrator.config.mjs', 'export default async () => {\n  await null;\n  for (;;) {}\n};\n', '3:3'],
  ])('a loop %s is caught by the watchdog thread and reported at its line (exit 2)', (_what, file, text, place) => {
    const run = runOrch(['list'], tempRepo({ ...HELLO, [file]: text }), { ORCH_CONFIG_TIMEOUT: '500ms' }, LIMIT);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:${place}: error: the config was still running after 500 ms: a loop that never ends? [config/load-failed]`);
    // Nothing of Node's own: no "Waiting for the debugger to disconnect...", no stack.
    expect(run.stderr).not.toMatch(/debugger|^\s+at /im);
  });
});

describe('a config whose exported value loops when orch reads it (findings R2 #10)', () => {
  it.each([
    ['a getter', 'export default { get commands() { while (true) {} } };\n', 'list'],
    ['a getter of a command', 'export default { commands: { get a() { while (true) {} } } };\n', 'validate'],
    ['a Proxy ownKeys trap', 'export default new Proxy({}, { ownKeys() { while (true) {} } });\n', 'run'],
    ['a Proxy get trap', 'export default new Proxy({}, { get() { for (;;) {} } });\n', 'list'],
  ])('%s is stopped after ORCH_CONFIG_TIMEOUT and reported as the located config error (exit 2)', (_what, text, command) => {
    const run = runOrch(command === 'run' ? ['run', 'x'] : [command], tempRepo({ ...HELLO, 'orchestrator.config.ts': text }), { ORCH_CONFIG_TIMEOUT: '500ms' }, LIMIT);
    expect(run.code).toBe(2);
    expect(located(run.stderr)?.[0]).toBe('orchestrator.config.ts');
    expect(run.stderr).toContain('the config was still running after 500 ms: a loop that never ends?');
  });

  it('a config with getters that return, a plugin object and a __proto__ command still loads as written', () => {
    const text = "class Plugin { name = 'p'; apply() {} }\nexport default { get commands() { return { ['__proto__']: { run: 'echo proto' }, hi: { description: 'from a getter', run: 'echo hi' } }; }, plugins: [new Plugin()] };\n";
    const list = runOrch(['list'], tempRepo({ 'orchestrator.config.ts': text }), {}, LIMIT);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('from a getter');
    expect(list.stdout).toContain('__proto__');
  });
});

describe('ORCH_CONFIG_TIMEOUT', () => {
  it.each([
    ['abc', 'is not a duration'],
    ['0', 'is no time at all'],
    ['99999999999999999999', 'is longer than the 24 days a timer can wait'],
  ])('%s is a usage error naming the variable and the form it takes, never a silent default or a Node warning', (value, why) => {
    const run = runOrch(['list'], tempRepo({ ...HELLO, 'orchestrator.config.ts': 'export default {};\n' }), { ORCH_CONFIG_TIMEOUT: value }, LIMIT);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`orch: ORCH_CONFIG_TIMEOUT=${value} ${why}`);
    expect(run.stderr).toContain('hint: set it to a duration from 1ms to 24d, such as 30s, 2m or 500ms');
    expect(run.stderr).not.toContain('Warning');
  });
});

describe('a package.json cosmiconfig reads before orch searches', () => {
  it('truncated, it is a located error, not an internal one', () => {
    const dir = tempRepo({ ...HELLO, 'package.json': '{"name":"x","orch": ' });
    const list = runOrch(['list'], dir, {}, LIMIT);
    expect(list.code).toBe(2);
    expect(list.stderr).not.toContain('internal error');
    expect(list.stderr).not.toMatch(/\n\s+at /);
    expect(located(list.stderr)).toEqual(['package.json', '1', expect.any(String), expect.stringContaining('not valid JSON')]);
  });
});

describe("jiti's transpile cache", () => {
  // jiti caches a transpiled config in $TMPDIR/jiti when the config's folder has no node_modules:
  // a file per repository, outside it, never cleaned (findings 15 #12).
  const TS_CONFIG = { ...HELLO, 'orchestrator.config.ts': "const config: { commands: Record<string, { run: string }> } = { commands: { c: { run: 'echo ok' } } };\nexport default config;\n" };

  it('is never written outside the repository: node_modules/.cache/jiti, else orch\'s own .orch/transpiled once orch made .orch, else nothing', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'orch-tmpdir-'));
    const dir = tempRepo(TS_CONFIG);
    const list = runOrch(['list'], dir, { TMPDIR: tmp }, LIMIT);
    expect([list.code, list.stderr]).toEqual([0, '']);
    expect(list.stdout).toContain('c');
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(join(dir, '.orch/transpiled'))).toBe(false);

    // orch's state folder is there now (the list kept its workspace cache): the next load keeps the transpiled config in it.
    expect(existsSync(join(dir, '.orch'))).toBe(true);
    expect(runOrch(['list'], dir, { TMPDIR: tmp }, LIMIT).code).toBe(0);
    expect(readdirSync(join(dir, '.orch/transpiled')).some((name) => name.includes('orchestrator.config'))).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);

    // A config with a stateDir of its own: a .orch left there is not orch's state (session 24's tester).
    const moved = tempRepo({ ...TS_CONFIG, 'orchestrator.config.ts': "const config = { stateDir: './state/', commands: { c: { run: 'echo ok' } } };\nexport default config;\n", '.orch/old.txt': 'left over\n' });
    expect(runOrch(['list'], moved, { TMPDIR: tmp }, LIMIT).code).toBe(0);
    expect(readdirSync(join(moved, '.orch'))).toEqual(['old.txt']);
    // Nor one whose stateDir is computed, or comes from a file it imports.
    const computed = tempRepo({ ...TS_CONFIG, 'shared.ts': "export const settings = { ['state' + 'Dir']: './state/' };\n", 'orchestrator.config.ts': "import { settings } from './shared';\nconst config = { ...settings, commands: { c: { run: 'echo ok' } } };\nexport default config;\n", '.orch/old.txt': 'left over\n' });
    expect(runOrch(['list'], computed, { TMPDIR: tmp }, LIMIT).code).toBe(0);
    expect(readdirSync(join(computed, '.orch'))).toEqual(['old.txt']);

    mkdirSync(join(dir, 'node_modules'));
    expect(runOrch(['list'], dir, { TMPDIR: tmp }, LIMIT).code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(join(dir, 'node_modules/.cache/jiti')).some((name) => name.includes('orchestrator.config'))).toBe(true);
  });
});
