import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickNode, drawnGraph, launchChromium, openReport } from '../helpers/browser.js';
import { runOrch } from '../helpers/runOrch.js';
import { commitAll, exampleRepo, tempRepo } from '../helpers/tempRepo.js';

// Issue 14, parts 4 and 5: the HTML report and `graph --html` opened in a real Chromium, and the
// run summary JSON, checked against real runs.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

type Event = { t: number; type: string; [key: string]: any };

function sessionEvents(repo: string, id: string): Event[] {
  return readFileSync(join(repo, '.orch', 'sessions', id, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

function sessionOf(run: { stderr: string; stdout: string }): string {
  const id = /Session: (\S+)/.exec(run.stderr + run.stdout)?.[1];
  if (!id) throw new Error(`no session in:\n${run.stderr}`);
  return id;
}

/** `graph --json`'s edges as the report draws them: from the dependency to the task. */
function graphEdges(repo: string, names: string[]): { order: string[]; edges: string[] } {
  const graph = JSON.parse(runOrch(['graph', ...names, '--json'], repo).stdout) as { order: string[]; edges: { from: string; to: string }[] };
  return { order: graph.order, edges: graph.edges.map((e) => `${e.to} -> ${e.from}`).sort() };
}

/**
 * The critical path worked out here, apart from orch: every chain from a task without
 * dependencies to one nothing depends on, weighed by the durations the session log recorded;
 * the heaviest.
 */
function heaviestChain(order: string[], edges: string[], durations: Map<string, number>): string[] {
  const after = new Map<string, string[]>();
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ') as [string, string];
    after.set(from, [...(after.get(from) ?? []), to]);
  }
  const roots = order.filter((id) => !edges.some((edge) => edge.endsWith(` -> ${id}`)));
  let best: { chain: string[]; weight: number } = { chain: [], weight: -1 };
  const walk = (chain: string[], weight: number): void => {
    const next = after.get(chain.at(-1)!) ?? [];
    if (next.length === 0 && weight > best.weight) best = { chain, weight };
    for (const id of next) walk([...chain, id], weight + (durations.get(id) ?? 0));
  };
  for (const root of roots) walk([root], durations.get(root) ?? 0);
  return best.chain;
}

describe('orch report', () => {
  it('shows a run of the example monorepo: every task a node, the edges of the graph, the critical path, a clicked node\'s log, search, no console error', async () => {
    const repo = exampleRepo();
    const run = runOrch(['run', 'build', 'test'], repo);
    expect(run.code, run.stderr).toBe(0);
    const id = sessionOf(run);
    const out = join(repo, 'out', 'report.html');
    const report = runOrch(['report', '--out', 'out/report.html'], repo);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`report of session ${id} (6 tasks, completed): out/report.html`);

    const { page, problems } = await openReport(browser, out);
    const expected = graphEdges(repo, ['build', 'test']);
    const drawn = await drawnGraph(page);
    expect(drawn.nodes).toEqual([...expected.order].sort());
    expect(drawn.edges).toEqual(expected.edges);

    const durations = new Map(sessionEvents(repo, id).filter((e) => e.type === 'task-finished').map((e) => [e.outcome.id as string, e.outcome.durationMs as number]));
    const chain = heaviestChain(expected.order, expected.edges, durations);
    expect(drawn.criticalNodes).toEqual([...chain].sort());
    expect(drawn.criticalEdges).toEqual(chain.slice(1).map((to, i) => `${chain[i]} -> ${to}`).sort());

    await clickNode(page, '@demo/web#build');
    await expect.poll(() => page.textContent('#details h2')).toBe('@demo/web#build');
    expect(await page.textContent('#details pre.log')).toContain('built @demo/web');
    const details = await page.textContent('#details');
    expect(details).toMatch(/hash[0-9a-f]{64}/);
    expect(details).toContain('miss (ran)');
    expect(details).toContain('orch:execution-success');

    await page.fill('#search', 'core');
    expect(await page.textContent('#matches')).toBe('2 of 6');
    expect((await drawnGraph(page)).classes['@demo/web#test']).toContain('faded');
    expect((await drawnGraph(page)).classes['@demo/core#test']).not.toContain('faded');
    expect(await page.locator('#gantt .g-row:not(.hidden)').count()).toBe(2);

    const screenshot = join(repo, 'out', 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
  }, 120_000);

  it('colours a failed and a skipped task, shows the failure\'s exit code and log, and shows what a task printed as text, never as markup', async () => {
    const repo = failingRepo();
    const run = runOrch(['run', 'build', '--continue=dependencies-successful'], repo);
    expect(run.code).toBe(1);
    expect(runOrch(['report'], repo).code).toBe(0);
    const id = sessionOf(run);
    const file = join(repo, '.orch', 'reports', `${id}.html`);
    expect(existsSync(file)).toBe(true);

    const { page, problems } = await openReport(browser, file);
    const drawn = await drawnGraph(page);
    expect(drawn.nodes).toEqual(['a#build', 'b#build', 'c#build']);
    expect(drawn.classes['a#build']).toContain('status-succeeded');
    expect(drawn.classes['b#build']).toContain('status-failed');
    expect(drawn.classes['c#build']).toContain('status-skipped');

    await clickNode(page, 'b#build');
    await expect.poll(() => page.textContent('#details h2')).toBe('b#build');
    const log = await page.textContent('#details pre.log');
    expect(log).toContain('b: type error in src/index.ts');
    expect(log).toContain('</script><script>globalThis.pwned = 1</script><img src=x onerror="globalThis.pwned = 2">');
    expect(await page.textContent('#details')).toMatch(/exit code3/);
    expect(await page.evaluate(() => (globalThis as any).pwned)).toBeUndefined();
    expect(await page.locator('#details img').count()).toBe(0);
    await page.screenshot({ path: join(repo, 'failed-report.png') });
    expect(problems).toEqual([]);
  }, 120_000);

  it('names the session it cannot find, with the closest one', () => {
    const repo = failingRepo();
    const run = runOrch(['run', 'a#build'], repo);
    const id = sessionOf(run);
    const report = runOrch(['report', `${id.slice(0, -1)}x`], repo);
    expect(report.code).toBe(2);
    expect(report.stderr).toContain(`did you mean '${id}'`);
    expect(runOrch(['report', id, '--last'], repo).stderr).toContain('name a session or give --last, not both');
  });
});

describe('orch graph --html', () => {
  it('draws the graph of the example monorepo\'s ci workflow: every task a node, its edges, a critical path, no console error', async () => {
    const repo = exampleRepo();
    const written = runOrch(['graph', 'ci', '--html', 'graph.html'], repo);
    expect(written.code, written.stderr).toBe(0);
    const expected = graphEdges(repo, ['ci']);
    expect(written.stdout).toContain(`graph of ${expected.order.length} tasks: graph.html`);

    const { page, problems } = await openReport(browser, join(repo, 'graph.html'));
    const drawn = await drawnGraph(page);
    expect(drawn.nodes).toEqual([...expected.order].sort());
    expect(drawn.edges).toEqual(expected.edges);
    // No run yet, so no past durations: the critical path is still a chain of the graph's edges.
    expect(drawn.criticalNodes.length).toBeGreaterThan(0);
    for (const edge of drawn.criticalEdges) expect(expected.edges).toContain(edge);
    expect(drawn.criticalEdges.length).toBe(drawn.criticalNodes.length - 1);
    expect(await page.textContent('#gantt')).toContain('not a run');
    await clickNode(page, expected.order.at(-1)!);
    await expect.poll(() => page.textContent('#details h2')).toBe(expected.order.at(-1));
    await page.screenshot({ path: join(repo, 'graph.png') });
    expect(problems).toEqual([]);
  }, 120_000);

  it('writes .orch/graph.html given no file, and takes a following name as a command', () => {
    const repo = exampleRepo();
    const written = runOrch(['graph', '--html', 'build'], repo);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(`graph of 3 tasks: ${join('.orch', 'graph.html')}`);
    expect(runOrch(['graph', '--html', '--json'], repo).stderr).toContain('choose one output format, not --json and --html');
  });
});

describe('--summarize', () => {
  it('writes every planned task\'s hash, inputs, cache outcome, duration and exit code, as the run and the session log say', () => {
    const repo = failingRepo();
    const first = runOrch(['run', 'build', '--continue=dependencies-successful', '--summarize', 'summary.json'], repo);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('orch: run summary: summary.json');
    const summary = JSON.parse(readFileSync(join(repo, 'summary.json'), 'utf8'));
    const id = sessionOf(first);
    expect(summary).toMatchObject({ id, command: 'orch run build --continue=dependencies-successful --summarize summary.json', execution: { exitCode: 1, attempted: 2, succeeded: 1, failed: 1, skipped: 1, cached: 0 } });
    const byId = Object.fromEntries(summary.tasks.map((t: any) => [t.taskId, t]));
    expect(Object.keys(byId)).toEqual(['a#build', 'b#build', 'c#build']);

    const finished = new Map(sessionEvents(repo, id).filter((e) => e.type === 'task-finished').map((e) => [e.outcome.id as string, e.outcome]));
    for (const task of ['a#build', 'b#build']) {
      expect(byId[task].hash).toBe(finished.get(task).hash);
      expect(byId[task].execution.durationMs).toBe(finished.get(task).durationMs);
      expect(byId[task].cache).toEqual({ status: 'MISS', source: null, local: false, remote: false });
    }
    // The input files of the hash, as `orch explain` lists them.
    const [explained] = JSON.parse(runOrch(['explain', 'a#build', '--json'], repo).stdout);
    expect(explained.hash).toBe(byId['a#build'].hash);
    expect(byId['a#build'].inputs).toBe(Object.keys(explained.inputs.files).length);
    expect(byId['a#build'].inputs).toBeGreaterThan(0);
    expect(byId['a#build'].execution.exitCode).toBe(0);
    expect(byId['b#build'].execution.exitCode).toBe(3);
    expect(byId['b#build'].status).toBe('failed');
    expect(byId['c#build']).toMatchObject({ status: 'skipped', cache: null, hash: null, dependencies: ['b#build'] });
    expect(byId['b#build'].dependents).toEqual(['c#build']);

    const second = runOrch(['run', 'a#build', '--summarize'], repo);
    expect(second.code).toBe(0);
    const path = join('.orch', 'runs', `${sessionOf(second)}.json`);
    expect(second.stderr).toContain(`orch: run summary: ${path}`);
    const again = JSON.parse(readFileSync(join(repo, path), 'utf8'));
    expect(again.tasks).toMatchObject([{ taskId: 'a#build', hash: byId['a#build'].hash, cache: { status: 'HIT', source: 'LOCAL', local: true, remote: false }, execution: { exitCode: 0 } }]);
    expect(again.execution).toMatchObject({ exitCode: 0, cached: 1, attempted: 1 });
  }, 60_000);

  it('is written for a run without a session log, from the run\'s own events', () => {
    const repo = failingRepo();
    writeFileSync(join(repo, 'orchestrator.config.json'), JSON.stringify({ sessions: { log: false }, targets: { build: { dependsOn: ['^build'] } } }));
    const run = runOrch(['run', 'a#build', '--summarize'], repo);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(repo, '.orch', 'sessions'))).toBe(false);
    const path = /orch: run summary: (\S+)/.exec(run.stderr)?.[1];
    expect(path).toMatch(/^\.orch\/runs\/.+\.json$/);
    const summary = JSON.parse(readFileSync(join(repo, path!), 'utf8'));
    expect(summary.tasks).toMatchObject([{ taskId: 'a#build', status: 'succeeded', cache: { status: 'MISS' }, execution: { exitCode: 0 } }]);
    expect(summary.tasks[0].hash).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('is written for a resumed session too, and only on request', () => {
    const repo = failingRepo();
    const first = runOrch(['run', 'build', '--continue=dependencies-successful'], repo);
    expect(first.code).toBe(1);
    expect(existsSync(join(repo, '.orch', 'runs'))).toBe(false);
    const resumed = runOrch(['resume', '--summarize=resumed.json'], repo);
    expect(resumed.stderr).toContain('orch: run summary: resumed.json');
    const summary = JSON.parse(readFileSync(join(repo, 'resumed.json'), 'utf8'));
    expect(summary.id).toBe(sessionOf(first));
    expect(summary.tasks.map((t: any) => t.taskId)).toEqual(['a#build', 'b#build', 'c#build']);
    expect(summary.tasks.find((t: any) => t.taskId === 'b#build').execution.exitCode).toBe(3);
    expect(readdirSync(repo)).not.toContain('summary.json');
  }, 60_000);
});

/**
 * Three packages: `a` builds, `b` (which needs `a`) fails with exit code 3 after printing an
 * error and some markup, `c` needs `b`.
 */
function failingRepo(): string {
  const script = (body: string) => `node -e ${JSON.stringify(body)}`;
  return commitAll(
    tempRepo({
      'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }),
      'orchestrator.config.json': JSON.stringify({ targets: { build: { dependsOn: ['^build'] } } }),
      'packages/a/package.json': JSON.stringify({ name: 'a', scripts: { build: script("console.log('a built')") } }),
      'packages/a/src/index.js': 'export const a = 1;\n',
      'packages/b/package.json': JSON.stringify({
        name: 'b',
        dependencies: { a: '*' },
        scripts: { build: script(`console.log('compiling b'); console.log('</script><script>globalThis.pwned = 1</script><img src=x onerror="globalThis.pwned = 2">'); console.error('b: type error in src/index.ts'); process.exit(3)`) },
      }),
      'packages/b/src/index.js': 'export const b = 2;\n',
      'packages/c/package.json': JSON.stringify({ name: 'c', dependencies: { b: '*' }, scripts: { build: script("console.log('c built')") } }),
    }),
  );
}
