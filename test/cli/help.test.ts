import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

const version = (JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')) as { version: string }).version;

const workspace = () =>
  tempRepo({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
    'packages/web/package.json': JSON.stringify({ name: 'web', scripts: { build: 'echo web-built', lint: 'echo web-linted' } }),
  });

describe('help that explains (issue 15, part 2)', () => {
  it("a command's help shows each option's values, default, and an optional value as optional", () => {
    const help = runOrch(['run', '--help'], tempRepo());
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('--continue [mode] what runs after a task fails');
    expect(text).toContain('(one of: never, dependencies-successful, always; default: never; --continue alone: always)');
    expect(text).toContain('Global options (before or after the command): --cwd <dir> run as if started in <dir>');
    expect(runOrch(['help', 'run'], tempRepo()).stdout).toBe(help.stdout);
  });

  it('`orch --help` lists every command, the target shorthand and `orch help <command>`', () => {
    const help = runOrch(['--help'], tempRepo()).stdout;
    for (const name of ['run', 'affected', 'completion', 'validate']) expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(help).toMatch(/^ {2}<target> +a name that is not one of these commands runs like `orch$/m);
    expect(help).toMatch(/^ {2}help \[command\] +help for a command/m);
  });
});

describe('orch <target> runs like orch run <target>, as turbo build does (issue 15, part 2)', () => {
  it('runs a target that is not a command, with options', () => {
    const dir = workspace();
    const build = runOrch(['build'], dir);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toContain('web-built');
    expect(runOrch(['lint', '--dry-run'], dir).stdout).toBe(runOrch(['run', 'lint', '--dry-run'], dir).stdout);
    expect(runOrch(['web#build', '--dry-run'], dir).stdout).toContain('web#build');
  });

  it("a word that names nothing is an unknown command, with did you mean among orch's commands and the workspace's names", () => {
    const dir = workspace();
    expect(runOrch(['valdate'], dir)).toMatchObject({ code: 2, stderr: "orch: unknown command 'valdate'\n  hint: did you mean 'validate'?\n" });
    expect(runOrch(['biuld'], dir)).toMatchObject({ code: 2, stderr: "orch: unknown command 'biuld'\n  hint: did you mean 'build'?\n" });
    expect(runOrch(['lisst'], dir)).toMatchObject({ code: 2, stderr: "orch: unknown command 'lisst'\n  hint: did you mean 'list'?\n  in this workspace: did you mean 'lint'?\n" });
    expect(runOrch(['zzz'], dir)).toMatchObject({ code: 2, stderr: "orch: unknown command 'zzz'\n  hint: `orch --help` shows orch's commands, `orch list` this workspace's commands and targets\n" });
  });

  it("`orch build --help` is run's help", () => {
    expect(runOrch(['build', '--help'], tempRepo()).stdout).toBe(runOrch(['run', '--help'], tempRepo()).stdout);
  });
});

describe("orch's own options before or after the command (issue 15, part 2)", () => {
  it('--cwd before `run` and after its target', () => {
    const dir = workspace();
    for (const args of [['--cwd', dir, 'run', 'build'], ['run', 'build', '--cwd', dir], ['--cwd', dir, 'build'], ['build', `--cwd=${dir}`]]) {
      const run = runOrch(args, tempRepo());
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('web-built');
    }
  });

  it('--cwd naming a missing folder or a file is a usage error, before or after the command (FINDINGS-15 #5)', () => {
    const dir = workspace();
    for (const [args, message] of [
      [['--cwd', 'nonexist', 'run', 'build'], '--cwd nonexist: no such folder'],
      [['run', 'build', '--cwd', 'nonexist'], '--cwd nonexist: no such folder'],
      [['build', '--cwd=nonexist'], '--cwd nonexist: no such folder'],
      [['--cwd', 'package.json', 'list'], '--cwd package.json: a file, not a folder'],
      [['list', '--cwd=packages/web/package.json'], '--cwd packages/web/package.json: a file, not a folder'],
    ] as const) {
      const run = runOrch([...args], dir);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(`orch: ${message}`);
      expect(run.stdout).not.toContain('web-built');
    }
    // A relative folder is taken from where orch started.
    expect(runOrch(['--cwd', 'packages/web', 'run', 'build'], dir).stdout).toContain('web-built');
  });
});

describe('help and version say what is wrong with the words around them (FINDINGS-15 #17)', () => {
  it('`orch help <unknown>` is an unknown command with did you mean, exit 2 (#17a)', () => {
    const dir = tempRepo();
    expect(runOrch(['help', 'valdate'], dir)).toEqual({ code: 2, stdout: '', stderr: "orch: unknown command 'valdate'\n  hint: did you mean 'validate'?\n" });
    const unknown = runOrch(['help', 'nonexist'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("orch: unknown command 'nonexist'");
    expect(unknown.stdout).toBe('');
    expect(runOrch(['help', 'run', 'extra'], dir)).toMatchObject({ code: 2, stderr: "orch: help run takes nothing more, not 'extra'\n  hint: e.g. orch help run\n" });
  });

  it('`orch --version extra` is a usage error; `orch run --version` stays the version (#17b)', () => {
    const dir = tempRepo();
    expect(runOrch(['--version', 'extra'], dir)).toEqual({ code: 2, stdout: '', stderr: "orch: --version takes nothing more, not 'extra'\n  hint: e.g. orch --version, or orch --version --json\n" });
    expect(runOrch(['-v', 'a', 'b'], dir).code).toBe(2);
    expect(runOrch(['run', '--version'], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it("an option of a command put before it says it goes after the command, as the line should be (#17c)", () => {
    const dir = workspace();
    const filter = runOrch(['-F', 'web', 'build'], dir);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toBe("orch: '-F' goes after the command: it is an option of run, watch, affected, explain and graph, not of orch itself\n  hint: e.g. orch build -F web\n");
    expect(runOrch(['--filter=web', 'run', 'build'], dir).stderr).toContain('hint: e.g. orch run build --filter=web');
    // No guess among orch's own one-letter options for a one-letter one (it used to say "did you mean '-h' or '-v'?").
    const unknown = runOrch(['-Z', 'build'], dir);
    expect(unknown.stderr).toContain("orch: '-Z' is not an option of orch itself");
    expect(unknown.stderr).not.toContain('did you mean');
  });

  it("`orch --help` says what init does now (#17e)", () => {
    expect(runOrch(['--help'], tempRepo()).stdout.replace(/\s+/g, ' ')).toContain('init set orch up here: detect the package manager and workspace, write orchestrator.config.ts with targets from the scripts, add .orch/ to .gitignore');
  });
});

describe('orch --version --json (issue 15, part 2)', () => {
  it("prints orch's version, Node.js's, the platform and architecture as JSON", () => {
    for (const args of [['--version', '--json'], ['--json', '-v']]) {
      const run = runOrch(args, tempRepo());
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ version, node: process.versions.node, platform: process.platform, arch: process.arch });
    }
  });

  it('--version alone stays the bare version', () => {
    expect(runOrch(['--version'], tempRepo())).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
