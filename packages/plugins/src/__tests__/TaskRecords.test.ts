import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { TaskRecords } from '../state/TaskRecords.js';

const marker = (id: string, hash: string) => ({ id, completedAt: '2026-11-30T00:00:00.000Z', runId: 'r', durationMs: 1, hash });
const line = (kind: string, id: string, value: { hash: string }) => `${kind}\t${JSON.stringify(id)}\t${value.hash}\t${JSON.stringify(value)}\n`;

describe('TaskRecords', () => {
  it('writes a run\'s records in one file, the last of a kind per task winning, and folds it into base.jsonl at the end', async () => {
    const stateDir = tempRepo({}, { git: false });
    const records = new TaskRecords(stateDir);
    records.put('completed', 'a#build', marker('a#build', '1'));
    records.put('completed', 'b#build', marker('b#build', '2'));
    records.put('completed', 'a#build', marker('a#build', '3'));
    await records.flush();
    const files = readdirSync(join(stateDir, 'records'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^run-\d+-pid\d+-[0-9a-f-]+\.jsonl$/);
    expect(readFileSync(join(stateDir, 'records', files[0]!), 'utf8').trim().split('\n')).toHaveLength(3);
    // Another process (or a later run) reads the same.
    expect((await new TaskRecords(stateDir).get('completed', 'a#build'))?.hash).toBe('3');
    await records.compact();
    expect(readdirSync(join(stateDir, 'records'))).toEqual(['base.jsonl']);
    const later = new TaskRecords(stateDir);
    expect((await later.get('completed', 'a#build'))?.hash).toBe('3');
    expect((await later.get('completed', 'b#build'))?.hash).toBe('2');
    expect(await later.hashOf('completed', 'b#build')).toBe('2');
    expect(await later.get('hash', 'a#build')).toBeUndefined();
  });

  it('folds the files of runs whose process is gone, leaves those of live runs to them, and skips torn and foreign lines', async () => {
    const stateDir = tempRepo({}, { git: false });
    const dir = join(stateDir, 'records');
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dead = `run-1000-pid${gone}-00000000-0000-0000-0000-000000000000.jsonl`;
    const live = `run-2000-pid${process.pid}-00000000-0000-0000-0000-000000000001.jsonl`;
    // A killed run: its last line torn, and a line no orch wrote.
    writeFileSync(join(dir, dead), `${line('completed', 'a#build', marker('a#build', 'dead0'))}not a record\n${line('completed', 'b#build', marker('b#build', 'b0'))}`.slice(0, -5));
    writeFileSync(join(dir, live), line('completed', 'c#build', marker('c#build', 'a11e')));
    const records = new TaskRecords(stateDir);
    records.put('completed', 'd#build', marker('d#build', 'd0'));
    await records.compact();
    expect(readdirSync(dir).sort()).toEqual(['base.jsonl', live]);
    const later = new TaskRecords(stateDir);
    expect((await later.get('completed', 'a#build'))?.hash).toBe('dead0');
    expect(await later.get('completed', 'b#build')).toBeUndefined();
    expect((await later.get('completed', 'c#build'))?.hash).toBe('a11e');
    expect((await later.get('completed', 'd#build'))?.hash).toBe('d0');
  });
});
