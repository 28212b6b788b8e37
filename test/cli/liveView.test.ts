import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commitAll, tempRepo } from '../helpers/tempRepo.js';
import { ORCH_BIN } from '../helpers/runOrch.js';

const PTY_RUN = fileURLToPath(new URL('../helpers/ptyRun.py', import.meta.url));

/** A package whose build waits until the test creates `go` at the repository root. */
const waiting = (name: string, dependencies: string[] = []) =>
  JSON.stringify({
    name,
    version: '1.0.0',
    scripts: { build: `node -e "const t = setInterval(() => { if (require('fs').existsSync('../../go')) clearInterval(t) }, 50)"` },
    dependencies: Object.fromEntries(dependencies.map((d) => [d, '*'])),
  });

/** The erase sequences the live view writes: up N rows to the first column, then erase below. */
const CLEAR = /\x1b\[(\d+)F\x1b\[0J/g;

/** The live view's own lines in some output: running tasks and the progress line (with its bar or not). */
function footerLines(text: string): string[] {
  return text.split(/\r?\n/).map(stripVTControlCharacters).filter((line) => /^● |^ {2}… and |[█░]| running · \d+ queued/.test(line));
}

/** A workspace of three builds that wait for `go`: two start at once, the third waits for the first. */
function threeBuilds(): string {
  return commitAll(
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['p/*'] }),
      'orchestrator.config.ts': "export default { targets: { build: { dependsOn: ['^build'], cache: false } } };\n",
      'p/first/package.json': waiting('first-package-with-a-rather-long-name'),
      'p/second/package.json': waiting('second-package-with-a-rather-long-name'),
      'p/third/package.json': waiting('third', ['first-package-with-a-rather-long-name']),
      '.gitignore': 'go\n',
    }),
  );
}

/** `orch run build` in a pseudo-terminal `cols` wide, resized to `newCols` once `resizeWhen` shows; `go` created after the next frame. */
function runInTerminal(repo: string, cols: number, resizeWhen: string, newCols: number): { output: string; resizedAt: number | null; code: number } {
  const run = execFileSync(
    'python3',
    [PTY_RUN, '--cols', String(cols), '--resize-when', resizeWhen, '--new-cols', String(newCols), '--release-when', String.raw`\x1b\[\d+F`, '--release', join(repo, 'go'), '--', process.execPath, ORCH_BIN, 'run', 'build'],
    { cwd: repo, encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '1', FORCE_COLOR: '0', COLUMNS: '' } },
  );
  return JSON.parse(run) as { output: string; resizedAt: number | null; code: number };
}

describe('the live view in a real terminal', () => {
  it('keeps what runs, what waits and the time in a narrow terminal: the bar goes first, then the counts', () => {
    const { output, code } = runInTerminal(threeBuilds(), 45, '● second', 45);
    expect(code, output).toBe(0);
    const progress = footerLines(output).filter((line) => line.includes('running ·'));
    expect(progress.length, output).toBeGreaterThan(0);
    for (const line of progress) {
      expect(line.length, line).toBeLessThanOrEqual(44);
      expect(line, line).toMatch(/^\d+\/3  \d running · \d queued  \d+(\.\d+)?m?s$/);
    }
    expect(progress.some((line) => /^0\/3  2 running · 1 queued /.test(line)), output).toBe(true);
  });

  it('follows a resize: the old footer is erased as the narrower terminal rewraps it, and every frame after fits the new width', () => {
    const { output, resizedAt, code } = runInTerminal(threeBuilds(), 100, '● second', 40);
    expect(code, output).toBe(0);
    expect(resizedAt, output).not.toBeNull();
    const before = output.slice(0, resizedAt!);
    const after = output.slice(resizedAt!);

    // Before the resize, the footer was drawn at 100 columns: it says what runs and what waits.
    const lastFrame = before.slice([...before.matchAll(CLEAR)].at(-1)!.index);
    const drawn = footerLines(lastFrame);
    expect(drawn.some((line) => line.length > 40), lastFrame).toBe(true);
    expect(lastFrame).toMatch(/2 running · 1 queued/);

    // Frames since: each begins with the erase of the one before. The first drawn at the new width
    // (a frame may still come at the old one before orch handles SIGWINCH) begins with an erase
    // of exactly the rows the frame before takes once the terminal rewraps it at 40 columns.
    const frames = [...after.matchAll(CLEAR)].map((match, index, all) => ({ rows: Number(match[1]), lines: footerLines(after.slice(match.index, all[index + 1]?.index)) }));
    const fitting = frames.findIndex((frame) => frame.lines.length > 0 && frame.lines.every((line) => line.length <= 39));
    expect(fitting, after).toBeGreaterThanOrEqual(0);
    const previous = fitting === 0 ? drawn : frames[fitting - 1]!.lines;
    expect(frames[fitting]!.rows).toBe(previous.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / 40)), 0));
    // And every frame from then on fits in 40 columns (one less: the last column would wrap).
    for (const line of frames.slice(fitting).flatMap((frame) => frame.lines)) expect(line.length, line).toBeLessThanOrEqual(39);

    // The final frame: the footer erased, the summary in its place.
    const end = after.slice([...after.matchAll(CLEAR)].at(-1)!.index);
    expect(footerLines(end.replace(CLEAR, ''))).toEqual([]);
    expect(stripVTControlCharacters(end)).toMatch(/Tasks: {2}3 succeeded \(3 total\)/);
  });
});
