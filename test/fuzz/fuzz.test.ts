import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORCH_BIN } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';
import { CONFIG_MUTATORS, FRONT_MATTER_MUTATORS, prng } from './mutations.js';

// Issue 12, part 9. The seed is fixed: a failure here reproduces with the same files.
const SEED = 0x0c12;
/** A generous bound on one orch invocation: a hang detector, not a speed measurement (bench/ measures). */
const LIMIT_MS = 10_000;
const BATCH = new URL('../helpers/runOrchBatch.mjs', import.meta.url).pathname;
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ORCH_CONFIG_TIMEOUT: '500ms' };

interface Report {
  commands: number;
  errors: number;
  diagnostics: { severity: string; code: string; message: string; location?: { file: string; line?: number; column?: number } }[];
}

/** Runs the built binary with a hard time limit; a run that reaches it fails the test. */
function orch(args: string[], cwd: string) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [ORCH_BIN, ...args], { cwd, encoding: 'utf8', env: ENV, timeout: LIMIT_MS, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

/** What no input may cause: a crash, a stack trace, a process warning, an unlocated error. */
function expectNoCrash(run: { code: number | null; stderr: string }, what = ''): void {
  expect([0, 2], `${what} ${run.stderr.slice(0, 400)}`).toContain(run.code);
  expect(run.stderr, what).not.toMatch(/internal error|\(node:\d+\)|Warning: |\n\s+at .+:\d+:\d+\)?\n/);
}

function unlocated(report: Report): Report['diagnostics'] {
  return report.diagnostics.filter((d) => d.severity === 'error' && (d.location?.line === undefined || d.location.column === undefined));
}

/** Kinds that must give an error in their own file (the others may be read leniently). */
const MUST_FAIL = new Set(['alias bomb', '101 aliases', 'undefined alias', 'recursive alias', 'unclosed', 'deep block nesting', 'duplicate key', 'invalid UTF-8', 'NUL in front matter']);

describe('fuzzed input (seeded)', () => {
  it('front matter: 260 mutated command files in one tree give exit 0 or 2, an error located in each file that must fail, and leave the good command runnable', () => {
    const random = prng(SEED);
    const kinds = Object.keys(FRONT_MATTER_MUTATORS);
    const files: Record<string, string | Buffer> = { '.claude/commands/ok.md': '---\ndescription: The good one\nrun: echo ok\n---\n' };
    const kindOf = new Map<string, string>();
    for (let i = 0; i < 260; i++) {
      const kind = kinds[i % kinds.length]!;
      const path = `.claude/commands/fuzz/${kind.replace(/\W+/g, '-')}-${i}.md`;
      files[path] = FRONT_MATTER_MUTATORS[kind]!(random);
      kindOf.set(path, kind);
    }
    const dir = tempRepo(files);

    const validate = orch(['validate', '--json'], dir);
    expect(validate.signal, 'orch validate hit the time limit').toBeNull();
    expectNoCrash(validate);
    const report = JSON.parse(validate.stdout) as Report;
    expect(report.commands, 'every file stays a command, with its own problems').toBe(261);
    expect(unlocated(report)).toEqual([]);
    const failed = new Set(report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.location!.file));
    const missed = [...kindOf].filter(([path, kind]) => MUST_FAIL.has(kind) && !failed.has(join(dir, path)));
    expect(missed, 'files that must fail, without an error of their own').toEqual([]);

    const run = orch(['run', 'ok', '--dry-run'], dir);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 task in order');
  });

  it('front matter of 40,000 keys is read, not refused and not slow enough to hit the limit', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `key${i}: value ${i}`).join('\n');
    const dir = tempRepo({ '.claude/commands/wide.md': `---\ndescription: wide\n${keys}\n---\nbody\n` });
    const run = orch(['validate', '--json'], dir);
    expect(run.signal).toBeNull();
    expectNoCrash(run);
    expect(JSON.parse(run.stdout)).toMatchObject({ commands: 1, errors: 0 });
  });

  it('configs: 120 mutated configs give exit 0 or 2 within the limit, every error at file:line:col, no process warning; a sample agrees through the real binary', () => {
    const random = prng(SEED + 1);
    const kinds = Object.keys(CONFIG_MUTATORS);
    const cases = Array.from({ length: 120 }, (_, i) => {
      const kind = kinds[i % kinds.length]!;
      const { file, content } = CONFIG_MUTATORS[kind]!(random);
      const dir = tempRepo({ [file]: content, '.claude/commands/ok.md': '---\ndescription: ok\n---\nbody\n' });
      return { kind, file, dir };
    });
    const jobs = join(tempRepo(), 'jobs.json');
    writeFileSync(jobs, JSON.stringify(cases.map(({ dir }) => ({ cwd: dir, args: ['validate', '--json'] }))));
    const batch = spawnSync(process.execPath, [BATCH, jobs], { encoding: 'utf8', env: ENV, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const lines = batch.stdout.trim().split('\n').map((line) => JSON.parse(line) as { start?: number; index: number; code: number; stdout: string; stderr: string; ms: number; warnings: string[] });
    const results = lines.filter((line) => line.start === undefined);
    const lastStarted = lines.filter((line) => line.start !== undefined).at(-1)?.start;
    expect(results.length, `the batch stopped at case ${lastStarted} (${cases[lastStarted ?? 0]?.kind}): ${batch.stderr.slice(0, 400)}`).toBe(cases.length);

    for (const result of results) {
      const { kind, file } = cases[result.index]!;
      const what = `case ${result.index} (${kind}, ${file}): ${result.stderr.slice(0, 300)}`;
      expect(result.ms, what).toBeLessThan(LIMIT_MS);
      expect(result.warnings, what).toEqual([]);
      expectNoCrash({ code: result.code, stderr: result.stderr }, what);
      if (result.code === 0) continue;
      // Refused: at a place in the config (a load failure on stderr), or in the report's diagnostics.
      const loadFailure = new RegExp(`^${file.replace(/\./g, '\\.')}:\\d+:\\d+: error: `, 'm').test(result.stderr);
      const report = result.stdout ? (JSON.parse(result.stdout) as Report) : undefined;
      expect(loadFailure || (report !== undefined && report.errors > 0 && unlocated(report).length === 0), what).toBe(true);
    }

    // The same files through the real binary: one of each kind.
    for (const kind of kinds) {
      const index = cases.findIndex((c) => c.kind === kind);
      const run = orch(['validate', '--json'], cases[index]!.dir);
      expect(run.signal, `${kind}: hit the time limit`).toBeNull();
      expectNoCrash(run, `${kind} (${cases[index]!.file})`);
      expect(run.code, `${kind}: ${run.stderr.slice(0, 300)}`).toBe(results.find((r) => r.index === index)!.code);
    }
  });
});
