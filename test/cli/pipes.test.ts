import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORCH_BIN, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';

// Issue 15, part 6: orch's output piped into a reader that stops early (`| head -1`) ends
// quietly: EPIPE is no error, no stack trace or Node warning, the tasks finish and the session
// records how they did. Each test runs a real shell pipe.

/** `orch <args> | <reader>` in bash: the reader's output, orch's stderr and exit code. */
function pipe(dir: string, args: string, reader: string) {
  const script = `node ${JSON.stringify(ORCH_BIN)} ${args} 2>orch-stderr.txt | ${reader}; echo "orch exit: \${PIPESTATUS[0]}" >&2`;
  const run = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { stdout: run.stdout, exit: run.stderr.trim(), orchStderr: spawnSync('cat', ['orch-stderr.txt'], { cwd: dir, encoding: 'utf8' }).stdout, signal: run.signal };
}

/** Nothing on stderr that is not orch's own report of the run. */
function quiet(stderr: string): void {
  expect(stderr).not.toMatch(/internal error|EPIPE|Error:|Warning|^\s+at /m);
}

/** Two packages whose builds print far more than a pipe holds (64 KiB), then write their output. */
function noisyWorkspace(): string {
  const build = (name: string) => `for (let i = 0; i < 5000; i++) console.log('${name} line ' + i + ' '.repeat(40));\nrequire('fs').mkdirSync('dist', { recursive: true });\nrequire('fs').writeFileSync('dist/out.js', '${name}');\n`;
  return tempRepo({
    'package.json': JSON.stringify({ name: 'repo', private: true, workspaces: ['packages/*'] }),
    'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: 'node build.js' } }),
    'packages/a/build.js': build('a'),
    'packages/b/package.json': JSON.stringify({ name: 'b', dependencies: { a: '*' }, scripts: { build: 'node build.js' } }),
    'packages/b/build.js': build('b'),
    'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }),
  });
}

function sessions(dir: string): { status: string }[] {
  return JSON.parse(runOrch(['sessions', '--json'], dir).stdout) as { status: string }[];
}

describe('orch piped into a reader that stops early', () => {
  it('orch run build | head -1: the tasks finish, the session is completed, exit 0, nothing on stderr but the run', () => {
    const dir = noisyWorkspace();
    const run = pipe(dir, 'run build', 'head -1');
    expect(run.stdout).toBe(`a#build: a line 0${' '.repeat(40)}\n`);
    expect(run.exit).toBe('orch exit: 0');
    quiet(run.orchStderr);
    expect(run.orchStderr).toContain('Tasks:  2 succeeded (2 total)');
    expect(existsSync(join(dir, 'packages/b/dist/out.js'))).toBe(true);
    expect(sessions(dir).map((session) => session.status)).toEqual(['completed']);
  });

  it('orch run build --json | head -2: whole JSON lines, then a quiet end', () => {
    const dir = noisyWorkspace();
    const run = pipe(dir, 'run build --json', 'head -2');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(run.exit).toBe('orch exit: 0');
    quiet(run.orchStderr);
    expect(sessions(dir).map((session) => session.status)).toEqual(['completed']);
  });

  it('orch list | head -1 and orch graph | true end quietly', () => {
    const dir = noisyWorkspace();
    const list = pipe(dir, 'list', 'head -1');
    expect(list.stdout).toMatch(/^a#build\s/);
    expect(list.exit).toBe('orch exit: 0');
    expect(list.orchStderr).toBe('');
    const graph = pipe(dir, 'graph build', 'true');
    expect(graph.exit).toBe('orch exit: 0');
    expect(graph.orchStderr).toBe('');
  });

  it('orch status --watch | head -1 ends when the reader does, not when the session does', async () => {
    const dir = tempRepo({
      'package.json': JSON.stringify({ name: 'solo', scripts: { wait: `node -e "const t = setInterval(() => { if (require('fs').existsSync('release')) clearInterval(t); }, 50)"` } }),
    });
    const running = startOrch(['run', 'wait'], dir);
    try {
      await waitFor(() => sessions(dir).some((session) => session.status === 'running'), 20_000, 'the session to run');
      const watch = pipe(dir, 'status --watch', 'head -1');
      expect(watch.signal).toBeNull();
      expect(watch.stdout).toContain('COMMAND ORCHESTRATION PERFORMANCE DASHBOARD');
      expect(watch.exit).toBe('orch exit: 0');
      quiet(watch.orchStderr);
      // The session it watched was still running: the dashboard ended because nobody read it.
      expect(sessions(dir).map((session) => session.status)).toEqual(['running']);
    } finally {
      writeFileSync(join(dir, 'release'), '');
      expect((await running.exited).code).toBe(0);
    }
  });
});
