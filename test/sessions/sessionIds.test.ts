import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSessionId } from '../../packages/engine/src/sessionId.js';
import { SessionStore } from '../../packages/plugins/src/session/SessionStore.js';
import { RunLogs } from '../../packages/plugins/src/state/RunLogs.js';
import { runOrch } from '../helpers/runOrch.js';
import { tempRepo } from '../helpers/tempRepo.js';
import { config } from './helpers.js';

const repo = () => tempRepo({ 'orchestrator.config.json': config({ commands: { work: { run: 'node -e "require(\'fs\').writeFileSync(\'ran.txt\', \'\')"' } } }) });
const marker = `escaped-${process.pid}`;

describe('session ids a user gives (FINDINGS-15 #2)', () => {
  it.each([`../../../${marker}`, `../${marker}`, `/tmp/${marker}`, 'a/b', '.hidden', '', 'x'.repeat(65), 'id with space'])('ORCH_SESSION_ID=%j is a usage error naming the variable; nothing runs, nothing is written outside .orch/sessions', (id) => {
    const dir = repo();
    const run = runOrch(['run', 'work'], dir, { ORCH_SESSION_ID: id });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ORCH_SESSION_ID ${JSON.stringify(id)} is not a session id: expected 1 to 64 letters, digits, '-', '_' or '.' (not first)`);
    expect(run.stderr).toContain('e.g. ORCH_SESSION_ID=20261124-101500-a1b2');
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    expect(existsSync(join(dirname(dir), marker))).toBe(false);
    expect(existsSync(join(dir, '.orch', marker))).toBe(false);
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    expect(existsSync(join(dir, '.orch/sessions')) ? readdirSync(join(dir, '.orch/sessions')) : []).toEqual([]);
  });

  it('a plain ORCH_SESSION_ID names the session', () => {
    const dir = repo();
    const run = runOrch(['run', 'work'], dir, { ORCH_SESSION_ID: 'ci-1234_job.7' });
    expect(run.code).toBe(0);
    expect(readdirSync(join(dir, '.orch/sessions'))).toEqual(['ci-1234_job.7']);
  });

  it.each([
    [['resume', '../../x'], 'session id'],
    [['status', '../../x'], 'session id'],
    [['report', '../../x'], 'session id'],
    [['sessions', 'show', '../../x'], 'session id'],
    [['logs', 'work', '--session', '../../x'], '--session'],
    [['resume', '/etc'], 'session id'],
  ])('orch %j is a usage error naming where the id came from', (args, source) => {
    const dir = repo();
    expect(runOrch(['run', 'work'], dir).code).toBe(0);
    const id = args.at(-1)!;
    const run = runOrch(args, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${source} ${JSON.stringify(id)} is not a session id`);
  });

  it("a snapshot naming another session's id is not taken for the session's state", () => {
    const dir = repo();
    const run = runOrch(['run', 'work'], dir, { ORCH_SESSION_ID: 'plain' });
    expect(run.code).toBe(0);
    const store = new SessionStore(join(dir, '.orch'));
    const { state } = store.load('plain');
    // A valid snapshot (right version and checksum) whose state names `../../escaped`.
    const crafted = { ...state, id: `../../${marker}` };
    const checksum = createHash('sha256').update(JSON.stringify(crafted)).digest('hex');
    writeFileSync(join(store.sessionDir('plain'), 'snapshot.json'), JSON.stringify({ version: 2, offset: 0, checksum, state: crafted }));
    expect(store.load('plain').state.id).toBe('plain');
    expect(runOrch(['report', 'plain'], dir).code).toBe(0);
    expect(existsSync(join(dir, '.orch/reports/plain.html'))).toBe(true);
    expect(existsSync(join(dir, `${marker}.html`))).toBe(false);
  });

  it('the stores never make a path from an id that leaves their folder', () => {
    const store = new SessionStore('/repo/.orch');
    expect(store.sessionDir('20261124-101500-a1b2')).toBe('/repo/.orch/sessions/20261124-101500-a1b2');
    expect(() => store.sessionDir('../../escaped')).toThrow(/session id "..\/..\/escaped" is not a session id/);
    expect(() => store.logPath('/tmp/x')).toThrow(/is not a session id/);
    expect(() => new RunLogs('/repo/.orch').folder('..')).toThrow(/is not a session id/);
    expect(checkSessionId('x'.repeat(64), 'id')).toBe('x'.repeat(64));
  });
});
