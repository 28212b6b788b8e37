import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import type { OutputChunk } from '../pipeline/TaskContext.js';
import { OutputTail } from '../run/OutputTail.js';
import { readSmallTaskLog, readTaskLog } from '../run/readTaskLog.js';
import { TaskLog, taskLogFiles } from '../run/TaskLog.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Consecutive chunks of one stream joined: how output reads, whatever the chunking. */
function merged(chunks: readonly OutputChunk[]): OutputChunk[] {
  const out: OutputChunk[] = [];
  for (const chunk of chunks) {
    const last = out.at(-1);
    if (last && last.stream === chunk.stream) last.text += chunk.text;
    else out.push({ ...chunk });
  }
  return out;
}

describe('OutputTail', () => {
  it('keeps the last non-blank lines, across chunks and per stream', () => {
    const tail = new OutputTail(3, 1000);
    tail.push('stdout', 'one\ntw');
    tail.push('stderr', 'err-start ');
    tail.push('stdout', 'o\n\n\nthree\n');
    tail.push('stderr', 'err-end\nfour\n');
    expect(tail.snapshot()).toEqual(['three', 'err-start err-end', 'four']);
    tail.push('stdout', 'unfinished');
    expect(tail.snapshot()).toEqual(['err-start err-end', 'four', 'unfinished']);
  });

  it('takes only the lines it needs from a chunk of many', () => {
    const tail = new OutputTail(2, 1000);
    tail.push('stdout', `${Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join('\n')}\n\n`);
    expect(tail.snapshot()).toEqual(['line 9998', 'line 9999']);
  });

  it('stays within its character bound when one line never ends', () => {
    const tail = new OutputTail(12, 100);
    for (let i = 0; i < 1000; i++) tail.push('stdout', 'x'.repeat(1000));
    tail.push('stdout', 'END');
    const [line] = tail.snapshot();
    expect(line).toHaveLength(100);
    expect(line!.startsWith('…')).toBe(true);
    expect(line!.endsWith('xEND')).toBe(true);
    tail.push('stdout', `\n${'y'.repeat(500)}\nshort\n`);
    expect(tail.snapshot().join('').length).toBeLessThanOrEqual(100);
    expect(tail.snapshot().at(-1)).toBe('short');
  });
});

describe('TaskLog', () => {
  it('writes output as it arrives and reads it back chunk by chunk, byte for byte, with its streams', async () => {
    const dir = tempRepo({}, { git: false });
    const log = new TaskLog(taskLogFiles(join(dir, 'logs', 'run-1'), 'web#build'), () => undefined);
    expect(log.files).toBeUndefined();
    const written: OutputChunk[] = [
      { stream: 'stdout', text: '\u001b[32mgreen\u001b[39m ünïcödé 😀\n' },
      { stream: 'stdout', text: 'more ' },
      { stream: 'stderr', text: 'warning\n' },
      { stream: 'stdout', text: 'x'.repeat(200_000) },
      { stream: 'stderr', text: 'end' },
    ];
    for (const chunk of written) log.write(chunk.stream, chunk.text);
    expect(log.files!.log).toBe(join(dir, 'logs', 'run-1', 'web%23build.log'));
    const whole = written.map((c) => c.text).join('');
    expect(readFileSync(log.files!.log, 'utf8')).toBe(whole);
    expect(log.bytes).toBe(Buffer.byteLength(whole));
    expect(readFileSync(log.files!.streams, 'utf8')).toBe(`0 stdout\n${Buffer.byteLength(written[0]!.text + written[1]!.text)} stderr\n${Buffer.byteLength(written.slice(0, 3).map((c) => c.text).join(''))} stdout\n${log.bytes - 3} stderr\n`);
    expect(merged(await collect(log.chunks()))).toEqual(merged(written));
    expect((await collect(log.lines())).at(-1)).toBe(`${'x'.repeat(200_000)}end`);
    log.close();
    // Written after it was closed (a compensation): appended, and left out of a read up to the old length.
    const before = log.bytes;
    log.write('stdout', 'later\n');
    log.close();
    expect(readFileSync(log.files!.log, 'utf8')).toBe(`${whole}later\n`);
    expect(merged(await collect(readTaskLog(log.files!, before)))).toEqual(merged(written));
  });

  it('replays a small log at once as the stream replays it, whatever its index holds (a full hit replays hundreds)', async () => {
    const dir = tempRepo({}, { git: false });
    const text = 'aé😀b\nerr\nout';
    const bytes = Buffer.byteLength(text);
    const indexes = [
      '0 stdout\n8 stderr\n12 stdout\n',
      // A damaged index: garbage, an offset going back, two switches at one byte, one past the end.
      'junk\n0 stderr\n8 stdout\n3 stderr\n12 stderr\n12 stdout\n99 stderr\n',
      // A switch inside a character (not written by orch): the character is not lost.
      '2 stderr\n',
      '',
    ];
    for (const [n, index] of indexes.entries()) {
      const files = { log: join(dir, `${n}.log`), streams: join(dir, `${n}.streams`) };
      writeFileSync(files.log, text);
      writeFileSync(files.streams, index);
      // The same index made too large to read at once (lines it skips): read as a stream.
      const streamed = { log: files.log, streams: join(dir, `${n}.large.streams`) };
      writeFileSync(streamed.streams, `${index}${'padding\n'.repeat(10_000)}`);
      for (const upTo of [bytes, 9, 1, 0]) {
        if (upTo > 0) expect(readSmallTaskLog(streamed, upTo), 'an index over 64 KB is not small').toBeUndefined();
        const stream = await collect(readTaskLog(streamed, upTo));
        expect(readSmallTaskLog(files, upTo), `index ${n}, ${upTo} bytes`).toEqual(stream);
        expect(await collect(readTaskLog(files, upTo))).toEqual(stream);
      }
    }
    const large = { log: join(dir, 'large.log'), streams: join(dir, 'large.streams') };
    writeFileSync(large.log, 'x'.repeat(70_000));
    writeFileSync(large.streams, '0 stdout\n');
    expect(readSmallTaskLog(large, 70_000)).toBeUndefined();
  });

  it('adopts a cache entry\'s log for its replay without copying it, and copies it only when more is written', async () => {
    const dir = tempRepo({}, { git: false });
    const entry = new TaskLog(taskLogFiles(join(dir, 'entry'), 'lib#build'), () => undefined);
    entry.write('stdout', 'built\n');
    entry.write('stderr', 'warned\n');
    entry.close();
    const own = taskLogFiles(join(dir, 'logs', 'run-2'), 'lib#build');
    const log = new TaskLog(own, () => undefined);
    log.adopt(entry.files!, entry.bytes);
    // The replay: what the entry holds, written again.
    log.write('stdout', 'built\n');
    log.write('stderr', 'warned\n');
    expect(existsSync(own.log)).toBe(false);
    expect(log.files).toEqual(entry.files);
    expect(log.bytes).toBe(entry.bytes);
    expect(log.tail()).toEqual(['built', 'warned']);
    expect(merged(await collect(log.chunks()))).toEqual([{ stream: 'stdout', text: 'built\n' }, { stream: 'stderr', text: 'warned\n' }]);
    // Past the replay (a compensation's output): the task's own log, starting with the entry's.
    log.write('stderr', 'compensated\n');
    log.close();
    expect(log.files).toEqual(own);
    expect(readFileSync(own.log, 'utf8')).toBe('built\nwarned\ncompensated\n');
    expect(readFileSync(entry.files!.log, 'utf8')).toBe('built\nwarned\n');
    expect(merged(await collect(log.chunks()))).toEqual([{ stream: 'stdout', text: 'built\n' }, { stream: 'stderr', text: 'warned\ncompensated\n' }]);
  });

  it('reports a write that fails once (a full disk), keeps the tail, and is marked incomplete', () => {
    const dir = tempRepo({}, { git: false });
    const files = taskLogFiles(join(dir, 'run'), 't');
    mkdirSync(join(dir, 'run'));
    symlinkSync('/dev/full', files.log);
    const errors: string[] = [];
    const log = new TaskLog(files, (error) => errors.push(error.message));
    log.write('stdout', 'a\n');
    log.write('stderr', 'b\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ENOSPC/);
    expect(log.complete).toBe(false);
    expect(log.tail()).toEqual(['a', 'b']);
  });
});
