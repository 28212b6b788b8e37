import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/tempRepo.js';
import { processesIn, runOrch, startOrch, waitFor } from '../helpers/runOrch.js';
import { config, sessionEvents, sessionIds } from './helpers.js';

/**
 * Twelve tasks in a graph; each has two steps. Step `a` marks the task begun; step `b` waits a
 * little, then writes `out/<id>.txt` from its dependencies' outputs (temp file + rename), so the
 * final outputs say whether everything ran in order. Every step start and end is in runs.log.
 */
const TASK = `const fs = require('fs'); const [id, part, deps] = process.argv.slice(2);
fs.appendFileSync('runs.log', 'start ' + id + ' ' + part + '\\n');
const finish = () => { fs.appendFileSync('runs.log', 'end ' + id + ' ' + part + '\\n'); };
if (part === 'a') { fs.mkdirSync('out', { recursive: true }); fs.writeFileSync('out/' + id + '.a', id); finish(); }
else setTimeout(() => {
  const input = (deps ? deps.split(',') : []).map((d) => fs.readFileSync('out/' + d + '.txt', 'utf8'));
  fs.writeFileSync('out/' + id + '.tmp', id + '(' + input.join(',') + ')'); fs.renameSync('out/' + id + '.tmp', 'out/' + id + '.txt'); finish();
}, 100 + Math.floor(Math.random() * 100));\n`;

const DEPS: Record<string, string[]> = { t0: [], t1: [], t2: ['t0'], t3: ['t0', 't1'], t4: ['t2'], t5: ['t3'], t6: ['t4', 't5'], t7: ['t1'], t8: ['t6', 't7'], t9: ['t8'], t10: ['t2', 't7'], t11: ['t9', 't10'] };
const expected = (id: string): string => `${id}(${DEPS[id]!.map(expected).join(',')})`;

describe('kill -9 at random moments', () => {
  it('after each resume, every task completed exactly once, nothing completed ran again, and the outputs are right', async () => {
    const commands = Object.fromEntries(
      Object.entries(DEPS).map(([id, deps]) => [id, { run: [`node task.js ${id} a`, `node task.js ${id} b ${deps.join(',')}`], dependencies: deps, inputs: ['task.js'] }]),
    );
    const dir = tempRepo({ 'task.js': TASK, 'orchestrator.config.json': config({ commands: { ...commands }, workflows: { all: { steps: Object.keys(DEPS) } } }) });
    const log = () => (existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8') : '');
    // An orch killed before its first event leaves an empty folder, not a session; one started
    // in the same second may sort after it, so the session is the folder with a log.
    const logged = () => sessionIds(dir).filter((id) => existsSync(join(dir, '.orch/sessions', id, 'events.jsonl')));
    const durableCompletions = (): Set<string> => {
      const id = logged().at(-1);
      if (id === undefined) return new Set();
      const text = readFileSync(join(dir, '.orch/sessions', id, 'events.jsonl'), 'utf8');
      const whole = text.slice(0, text.lastIndexOf('\n') + 1).trim();
      return new Set(
        (whole ? whole.split('\n') : [])
          .map((line) => JSON.parse(line) as Record<string, any>)
          .filter((e) => e.type === 'task-finished' && e.outcome.status === 'succeeded')
          .map((e) => e.outcome.id as string),
      );
    };
    const hasSession = () => logged().length > 0;

    const kills: { delay: number; completed: Set<string>; offset: number }[] = [];
    for (let round = 0; round < 8; round++) {
      const orch = startOrch(hasSession() ? ['resume'] : ['run', 'all'], dir);
      const delay = 150 + Math.floor(Math.random() * 1350);
      const timer = setTimeout(() => orch.child.kill('SIGKILL'), delay);
      const result = await orch.exited;
      clearTimeout(timer);
      if (result.code === 0) break;
      // Steps that were running are orphans now; let them end before looking (one just forked has not yet logged its start).
      await waitFor(() => processesIn(dir).length === 0, 20_000, () => `orphaned steps to end; runs.log:\n${log()}`);
      kills.push({ delay, completed: durableCompletions(), offset: log().length });
    }
    for (let attempt = 0; attempt < 3 && !(hasSession() && runOrch(['sessions', '--json'], dir).stdout.includes('"status": "completed"')); attempt++) {
      const finish = runOrch(hasSession() ? ['resume'] : ['run', 'all'], dir);
      expect(finish.code, `${finish.stderr}\nkills: ${JSON.stringify(kills.map((k) => k.delay))}`).toBe(0);
    }

    // The critical path (seven tasks of two steps, at least 100 ms each) outlasts the first delay.
    expect(kills.length).toBeGreaterThan(0);
    // One session, resumed after every kill (an orch killed before it logged anything had no session to resume: its empty folder is not one).
    expect(logged()).toHaveLength(1);
    for (const id of Object.keys(DEPS)) expect(readFileSync(join(dir, 'out', `${id}.txt`), 'utf8')).toBe(expected(id));
    const completions = sessionEvents(dir, logged()[0]).filter((e) => e.type === 'task-finished' && e.outcome.status === 'succeeded' && !e.outcome.resumed);
    const counts = new Map<string, number>();
    for (const e of completions) counts.set(e.outcome.id, (counts.get(e.outcome.id) ?? 0) + 1);
    for (const id of [...Object.keys(DEPS), 'all']) expect(counts.get(id), `${id} completions (kills at ${kills.map((k) => k.delay).join(', ')} ms)`).toBe(1);
    // Nothing whose completion was durable when orch was killed ever started again.
    for (const kill of kills) {
      const later = log().slice(kill.offset);
      for (const id of kill.completed) expect(later, `${id} re-ran after the kill at ${kill.delay} ms`).not.toMatch(new RegExp(`^start ${id} `, 'm'));
    }
  }, 120_000); // up to 8 kill -9 and resume rounds: minutes on a loaded 2-core machine
});
