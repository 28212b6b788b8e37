import { dirname, join, relative } from 'node:path';
import { defineGate, definePlugin, gateApplies, gateSetting, STAGE_ORDER, type Engine, type TaskContext } from '@orch/engine';
import { pathMatcher } from '../cache/pathMatcher.js';
import * as v from 'valibot';
import { changedPaths, worktreeSnapshot, type WorktreeSnapshot } from './worktreeSnapshot.js';

const NAME = 'orch:side-effects';
const SNAPSHOT = `${NAME}:before`;
const WITNESSES = `${NAME}:running`;
const SNAPSHOTS = `${NAME}:snapshots`;

/**
 * Shares snapshots: one taken after the last execution ended shows every task's finished work,
 * so it serves as the "after" of tasks that ended before it and the "before" of tasks about to
 * start. At concurrency 1 that is one `git status` per task instead of two.
 */
class Snapshots {
  private executions = 0;
  private latest: { executions: number; snapshot: Promise<WorktreeSnapshot | undefined> } | undefined;

  constructor(private readonly root: string) {}

  executionEnded(): void {
    this.executions++;
  }

  current(): Promise<WorktreeSnapshot | undefined> {
    if (this.latest?.executions !== this.executions) this.latest = { executions: this.executions, snapshot: worktreeSnapshot(this.root) };
    return this.latest.snapshot;
  }
}

/**
 * On by default for markdown, config and workflow commands (where unexpected writes are the
 * risk: agents, ad-hoc steps); opt-in for package scripts, the monorepo hot path, where one
 * `git status` per task is most of orch's own cost (`targets.build.gates: { 'orch:side-effects': true }`).
 *
 * Post-execution: files the task changed outside its declared outputs, from a worktree snapshot
 * (git index and status) taken right before execution and compared after. A change that
 * matches the outputs of a task that ran at the same time is that task's. Without declared
 * outputs it warns instead of failing. `ignore` lists globs that may change freely.
 */
export function sideEffectsGate() {
  const gate = defineGate<{ ignore?: string[] }>({
    name: NAME,
    stage: 'post',
    description: 'no files changed outside the declared outputs',
    options: v.strictObject({ ignore: v.optional(v.array(v.string())) }),
    optIn: (task) => task.command.kind === 'script',
    async check({ task, options }) {
      const before = (await task.data.get(SNAPSHOT)) as WorktreeSnapshot | undefined;
      if (!before) return { status: 'pass', message: 'not a git repository: nothing to compare' };
      const after = await (task.data.get(SNAPSHOTS) as Snapshots).current();
      if (!after) return { status: 'pass', message: 'not a git repository: nothing to compare' };
      const others = (task.data.get(WITNESSES) as Map<string, TaskContext> | undefined) ?? new Map();
      const mine = outputMatcher(task);
      const theirs = [...others.values()].map(outputMatcher);
      const ignored = pathMatcher([`${task.stateDir}/**`, ...(options.ignore ?? [])]);
      const outside = changedPaths(before, after).filter((path) => !mine(path) && !ignored(path) && !theirs.some((match) => match(path)));
      const declared = (task.command.metadata.outputs ?? []).length > 0;
      if (outside.length === 0) return { status: 'pass', message: declared ? 'no changes outside the outputs' : 'no changes' };
      const shown = outside.slice(0, 10).join(', ') + (outside.length > 10 ? `, … (${outside.length} in all)` : '');
      const concurrent = others.size > 0 ? ` (tasks running at the same time: ${[...others.keys()].slice(0, 5).join(', ')})` : '';
      if (!declared) return { status: 'warn', message: `changed files, and no outputs are declared: ${shown}${concurrent}`, details: outside };
      return { status: 'fail', message: `changed outside the declared outputs: ${shown}${concurrent}`, details: outside };
    },
  });

  return definePlugin({
    ...gate,
    apply(engine: Engine) {
      gate.apply(engine);
      const running = new Map<string, TaskContext>();
      const snapshots = new Snapshots(engine.config.root);
      // The snapshot is taken in stage 6 (deploy), before any of the task's work starts.
      engine.hooks.deploy.tapPromise({ name: NAME, stage: STAGE_ORDER.early }, async (task) => {
        const setting = gateSetting(engine.config.gates[NAME], task.command.metadata.gates?.[NAME]);
        if (!gateApplies(gate.gate, task, setting.enabled)) return undefined;
        const witnesses = new Map(running);
        task.data.set(WITNESSES, witnesses);
        running.set(task.id, task);
        for (const other of running.values()) if (other !== task) (other.data.get(WITNESSES) as Map<string, TaskContext> | undefined)?.set(task.id, task);
        task.data.set(SNAPSHOTS, snapshots);
        task.data.set(SNAPSHOT, await snapshots.current());
        return undefined;
      });
      engine.hooks.event.tap(NAME, (event) => {
        if (event.type === 'task-finished') running.delete(event.outcome.id);
        if (event.type === 'task-stage' && event.stage === 'execute') snapshots.executionEnded();
      });
    },
  });
}

/** Matches paths (relative to the root) against a task's declared outputs. */
function outputMatcher(task: TaskContext): (path: string) => boolean {
  const outputs = task.command.metadata.outputs ?? [];
  if (outputs.length === 0) return () => false;
  const base = task.command.kind === 'script' ? relative(task.root, dirname(task.command.location.file)) : '';
  const globs = outputs.map((glob) => (glob.startsWith('!') ? `!${join(base, glob.slice(1))}` : join(base, glob)));
  return pathMatcher(globs.filter((g) => !g.startsWith('!')), { ignore: globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)) });
}
