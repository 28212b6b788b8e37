import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ORCH_BIN, runOrch } from '../helpers/runOrch.js';
import { tempRepo, writeTree } from '../helpers/tempRepo.js';

/** A folder with an `orch` on it that runs the built binary, as an installed orch is on PATH. */
function orchOnPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orch-path-'));
  writeFileSync(join(dir, 'orch'), `#!/bin/sh\nexec "${process.execPath}" "${ORCH_BIN}" "$@"\n`);
  chmodSync(join(dir, 'orch'), 0o755);
  return dir;
}

const repo = () =>
  tempRepo({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
    'packages/web/package.json': JSON.stringify({ name: 'web', scripts: { build: 'echo built', lint: 'echo linted' } }),
    '.claude/commands/ui/ui:check.md': '---\ndescription: checks\n---\nCheck.\n',
  });

/** `repo()` with a scoped package beside web. */
const scopedRepo = () => {
  const dir = repo();
  writeTree(dir, { 'packages/lib/package.json': JSON.stringify({ name: '@acme/lib', scripts: { build: 'echo lib' } }) });
  return dir;
};

/** Runs a shell script in `cwd` with orch on PATH; its stdout, and stderr that must stay empty. */
function shell(program: 'bash' | 'zsh' | 'fish', script: string, cwd: string): { stdout: string; stderr: string } {
  // A completion that never comes would leave the shell waiting: it is ended, and the test fails on what is missing.
  const run = spawnSync(program, ['-f', '-c', script].slice(program === 'zsh' ? 0 : 1), { cwd, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, PATH: `${orchOnPath()}:${process.env.PATH}`, NO_COLOR: '1' } });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(`${program} is needed for this test (npm test installs it: scripts/ensureShells.mjs)`);
  return { stdout: run.stdout, stderr: run.stderr };
}

/** What bash's completion offers for the words typed (joined by spaces), the last being completed, as a line each. */
function bashCompletes(words: string[], cwd: string): { candidates: string[]; stderr: string } {
  const line = `orch ${words.join(' ')}`;
  const run = shell('bash', `source <(orch completion bash); COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}; _orch; printf '%s\\n' "\${COMPREPLY[@]}"`, cwd);
  return { candidates: run.stdout.split('\n').filter(Boolean), stderr: run.stderr };
}

const BASH_COMPLETION = fileURLToPath(new URL('../helpers/bashCompletion.py', import.meta.url));

/**
 * Types each line into a real interactive bash (readline in a pseudo-terminal, which splits
 * `--opt=value` and `@scope` itself) with orch's completion loaded: the command line after the
 * line's Tabs, and what the terminal showed (what two Tabs listed).
 */
function bashTyped(lines: string[], cwd: string): { line: string; shown: string }[] {
  const run = spawnSync('python3', [BASH_COMPLETION, JSON.stringify(lines)], { cwd, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, PATH: `${orchOnPath()}:${process.env.PATH}`, NO_COLOR: '1' } });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { line: string; shown: string }[];
}

describe('orch completion bash (issue 15, part 2)', () => {
  it("completes orch's commands and the workspace's targets and command ids as the first word", () => {
    const { candidates, stderr } = bashCompletes([''], repo());
    expect(candidates).toEqual(expect.arrayContaining(['run', 'affected', 'validate', 'completion', 'help', 'build', 'lint', 'web#build', 'ui/ui:check']));
    expect(candidates).not.toContain('__complete');
    expect(stderr).toBe('');
  });

  it('completes the names a command takes, and only those that start with the word', () => {
    const dir = repo();
    expect(bashCompletes(['run', 'b'], dir).candidates).toEqual(['build']);
    expect(bashCompletes(['run', 'web#'], dir).candidates).toEqual(['web#build', 'web#lint']);
    // bash replaces what follows the colon of `ui/ui:ch`: the script offers that part.
    expect(bashCompletes(['run', 'ui/ui:ch'], dir).candidates).toEqual(['check']);
    expect(bashCompletes(['affected', '-t', 'l'], dir).candidates).toEqual(['lint']);
    // Targets only for `affected -t`, packages for `-F` (FINDINGS-15 #17k).
    expect(bashCompletes(['affected', '-t', ''], dir).candidates).toEqual(['build', 'lint']);
    expect(bashCompletes(['affected', '-t', 'lint,b'], dir).candidates).toEqual(['lint,build']);
    expect(bashCompletes(['run', 'build', '-F', ''], scopedRepo()).candidates).toEqual(['@acme/lib', 'web']);
    expect(bashCompletes(['graph', 'build', '--filter=...w'], dir).candidates).toEqual(['...web']);
    expect(bashCompletes(['completion', ''], dir).candidates).toEqual(['bash', 'zsh', 'fish']);
    expect(bashCompletes(['cache', ''], dir).candidates).toEqual(['stats', 'clean']);
  });

  it("completes each command's options, orch's own, and an option's values", () => {
    const dir = repo();
    expect(bashCompletes(['run', 'build', '--con'], dir).candidates).toEqual(['--concurrency', '--continue', '--config']);
    expect(bashCompletes(['list', '--'], dir).candidates).toEqual(['--json', '--kind', '--all', '--cwd', '--config', '--no-color', '--no-daemon', '--help', '--version']);
    expect(bashCompletes(['list', '--kind', 's'], dir).candidates).toEqual(['script']);
    expect(bashCompletes(['run', 'build', '--continue='], dir).candidates).toEqual(['never', 'dependencies-successful', 'always']);
    // `orch build` is `orch run build`: run's options.
    expect(bashCompletes(['build', '--dry'], dir).candidates).toEqual(['--dry-run']);
  });

  it('reads the workspace --cwd names, and says nothing at all when the workspace cannot be read', () => {
    const dir = repo();
    expect(bashCompletes(['--cwd', dir, 'run', 'l'], tempRepo()).candidates).toEqual(['lint']);
    const broken = tempRepo({ 'orchestrator.config.ts': 'export default { concurrency: ; \nconsole.log("noise")\n' });
    const completed = bashCompletes(['r'], broken);
    expect(completed.candidates).toEqual(['run', 'resume', 'report']);
    expect(completed.stderr).toBe('');
    // A config that prints while it loads adds nothing to the candidates.
    const noisy = tempRepo({ 'orchestrator.config.mjs': 'console.log("noise"); console.error("noise"); process.stdout.write("noise\\n");\nexport default { commands: { release: { run: "echo r" } } };\n' });
    expect(bashCompletes(['rel'], noisy)).toEqual({ candidates: ['release'], stderr: '' });
  });
});

describe('orch completion in a real interactive bash (FINDINGS-15 #7, #17k)', () => {
  it('completes --opt=<TAB> with the values of the option, not file names; ids with a colon; packages with a scope', () => {
    const dir = scopedRepo();
    const [continued, listed, colon, filterShort, filterScoped, filterDependents, targets, runNames] = bashTyped(
      [
        'orch run build --continue=dep\t',
        'orch run build --output-logs=\t\t',
        'orch run ui/ui:c\t',
        'orch run build -F w\t',
        'orch run build --filter=@ac\t',
        'orch run build --filter=...@acme/l\t',
        'orch affected -t \t\t',
        'orch run \t\t',
      ],
      dir,
    );
    expect(continued!.line).toBe('orch run build --continue=dependencies-successful ');
    expect(listed!.shown).toMatch(/errors-only +full +hash-only +new-only +none/);
    expect(listed!.shown).not.toContain('package.json');
    expect(colon!.line).toBe('orch run ui/ui:check ');
    expect(filterShort!.line).toBe('orch run build -F web ');
    expect(filterScoped!.line).toBe('orch run build --filter=@acme/lib ');
    expect(filterDependents!.line).toBe('orch run build --filter=...@acme/lib ');
    // `affected -t` takes targets: no pkg#task ids among them; `run` takes both.
    expect(targets!.shown).toMatch(/build +lint\s/);
    expect(targets!.shown).not.toContain('#');
    expect(runNames!.shown).toContain('web#build');
  });
});

describe('orch completion zsh and fish (issue 15, part 2)', () => {
  it('zsh: completes in a real interactive zsh (a pseudo-terminal), after compinit', () => {
    // zsh's own zpty drives an interactive zsh: each line is typed with a Tab, and the test reads
    // the terminal until the completed word appears.
    const cases: [typed: string, completed: string][] = [
      ['orch run bui', 'orch run build'],
      ['orch comp', 'orch completion'],
      ['orch list --kind mark', 'orch list --kind markdown'],
      ['orch run ui/ui:c', 'orch run ui/ui:check'],
    ];
    const script = [
      'zmodload zsh/zpty',
      "zpty z 'zsh -f -i'",
      `zpty -w z 'PS1="%% "; autoload -Uz compinit && compinit -u -D; source <(orch completion zsh); echo RE""ADY'`,
      "zpty -r -m z out '*READY*'",
      ...cases.flatMap(([typed, completed], index) => [`zpty -w -n z $'${typed}\\t'`, `zpty -r -m z out '*${completed}*' && print completed-${index}`, "zpty -w -n z $'\\x15'"]),
      'zpty -d z',
    ].join('\n');
    const run = shell('zsh', script, repo());
    expect(run.stdout.split('\n').filter((line) => line.startsWith('completed-'))).toEqual(cases.map((_, index) => `completed-${index}`));
  });

  it('fish: completes commands, names and option values', () => {
    const run = shell('fish', `orch completion fish | source; complete -C 'orch run '; echo; complete -C 'orch list --kind m'; echo; complete -C 'orch comp'`, repo());
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n\n').map((block) => block.trim().split('\n'))).toEqual([['build', 'lint', 'ui/ui:check', 'web#build', 'web#lint'], ['markdown'], ['completion']]);
  });
});

describe('orch completion usage', () => {
  it('names the shells it knows', () => {
    expect(runOrch(['completion', 'bassh'], tempRepo())).toMatchObject({ code: 2, stderr: expect.stringContaining("orch completion bassh: no script for bassh; orch has completion scripts for bash, zsh and fish\n  hint: did you mean 'bash'?") });
    // A shell close to several (tcsh: zsh? bash? fish?) gets no guess, only the shells supported (FINDINGS-15 #17h).
    const tcsh = runOrch(['completion', 'tcsh'], tempRepo());
    expect(tcsh).toMatchObject({ code: 2, stderr: expect.stringContaining('orch completion tcsh: no script for tcsh; orch has completion scripts for bash, zsh and fish') });
    expect(tcsh.stderr).not.toContain('did you mean');
    expect(runOrch(['completion'], tempRepo())).toMatchObject({ code: 2, stderr: expect.stringContaining('orch completion needs a shell: one of bash, zsh or fish') });
  });
});
