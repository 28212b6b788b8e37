import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { definePlugin, STAGE_ORDER, strategyFor, type TaskContext } from '@orch/engine';
import { glob } from 'tinyglobby';
import { taskDirectory } from '../executors/taskEnvironment.js';
import { rollbackMessage } from './rollbackMessage.js';

const PLUGIN_NAME = 'orch:rollback';
const SNAPSHOT = 'orch:rollback-snapshot';
const git = promisify(execFile);

/** What a task's folder looked like before it ran: the files that existed, each saved. */
interface RollbackSnapshot {
  scope: 'outputs' | 'worktree';
  /** Absolute folder the paths are relative to. */
  base: string;
  /** Paths that existed (outputs) or were changed/untracked (worktree) before, saved under `backup`. */
  before: Map<string, boolean>;
  backup: string;
  /** For the worktree scope: the git status before, by path. */
  status?: Map<string, string>;
  patterns?: string[];
  /** Paths that are not regular files (symlinks, folders): left as they are. */
  untouchable: Set<string>;
  /** Folders of orch's own state, never rolled back. */
  ignore?: readonly string[];
}

/**
 * The `rollback` strategy. Before execution (for tasks whose execution failures roll back, the
 * default), a snapshot of what the task may change: its declared outputs, or else its folder's
 * tracked changes and untracked files (from git). After a failure, files it changed are restored
 * and files it created are removed; the task stays failed.
 */
export function rollbackStrategyPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const stateDir = resolve(engine.config.root, engine.config.stateDir);
      const cleanups = new Set<Promise<unknown>>();
      const backups = new Map<string, string>();
      const backupDir = (task: TaskContext): string => join(stateDir, 'rollback', task.sessionId ?? 'no-session', encodeURIComponent(task.id));

      // After the cache lookup (a hit restores, it does not run) and before the executor is chosen.
      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 50 }, async (task) => {
        if (strategyFor('execute', task.command.metadata, engine.config.recovery) !== 'rollback') return undefined;
        // By default only what is known to be the task's: declared outputs, or the worktree for
        // prompts (an agent edits code). Declared `recovery: rollback` takes the worktree too.
        const declared = task.command.metadata.recovery !== undefined || engine.config.recovery !== undefined;
        const prompt = task.command.kind === 'markdown' && !task.command.steps.some((step) => step.run !== undefined) && !task.command.metadata.module;
        const worktree = declared || prompt;
        const snapshot = await takeSnapshot(task, backupDir(task), worktree, [stateDir, resolve(engine.config.root, engine.config.cache.dir)]);
        if (snapshot) {
          task.data.set(SNAPSHOT, snapshot);
          backups.set(task.id, snapshot.backup);
        }
        return undefined;
      });

      engine.hooks.recover.tapPromise(PLUGIN_NAME, async (failure) => {
        if (failure.strategy !== 'rollback') return undefined;
        const snapshot = failure.task.data.get(SNAPSHOT) as RollbackSnapshot | undefined;
        // Nothing was snapshotted (no outputs declared, not a prompt, not in git): nothing to say.
        if (!snapshot) return { strategy: 'rollback', action: 'fail', message: '' };
        const { restored, removed } = await restore(snapshot);
        failure.task.data.delete(SNAPSHOT);
        return {
          strategy: 'rollback',
          action: 'fail',
          message: rollbackMessage(restored, removed),
          details: { restored, removed },
        };
      });

      // A task's backup goes when it ends, whichever way.
      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type !== 'task-finished') return;
        const dir = backups.get(event.outcome.id);
        if (!dir) return;
        backups.delete(event.outcome.id);
        const cleanup = rm(dir, { recursive: true, force: true }).catch(() => undefined);
        cleanups.add(cleanup);
        void cleanup.finally(() => cleanups.delete(cleanup));
      });
      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all(cleanups);
      });
    },
  });
}

async function takeSnapshot(task: TaskContext, backup: string, worktree: boolean, ignore: readonly string[]): Promise<RollbackSnapshot | undefined> {
  const base = taskDirectory(task);
  await rm(backup, { recursive: true, force: true });
  const outputs = task.command.metadata.outputs ?? [];
  if (outputs.length > 0) {
    const files = await glob(outputs, { cwd: base, dot: true, onlyFiles: true });
    const untouchable = await save(base, files, backup);
    return { scope: 'outputs', base, before: new Map(files.map((f) => [f, true])), backup, patterns: outputs, untouchable };
  }
  if (!worktree) return undefined;
  const status = await gitStatus(base, ignore);
  if (!status) return undefined;
  const existing = [...status].filter(([, code]) => !code.includes('D')).map(([path]) => path);
  const untouchable = await save(base, existing, backup);
  return { scope: 'worktree', base, before: new Map([...status.keys()].map((path) => [path, !status.get(path)!.includes('D')])), backup, status, untouchable, ignore };
}

/** Saves regular files; returns the paths that are not (symlinks, folders), which rollback leaves alone. */
async function save(base: string, files: readonly string[], backup: string): Promise<Set<string>> {
  const untouchable = new Set<string>();
  await Promise.all(
    files.map(async (file) => {
      const info = await lstat(join(base, file)).catch(() => undefined);
      if (!info?.isFile()) {
        untouchable.add(file);
        return;
      }
      const target = join(backup, file);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(base, file), target);
    }),
  );
  return untouchable;
}

/** Changed and untracked paths under `base` (relative to it), with their two-letter status; undefined outside git. */
async function gitStatus(base: string, ignore: readonly string[]): Promise<Map<string, string> | undefined> {
  try {
    const { stdout: top } = await git('git', ['rev-parse', '--show-toplevel'], { cwd: base });
    const { stdout } = await git('git', ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'], { cwd: base, maxBuffer: 64 * 1024 * 1024 });
    const status = new Map<string, string>();
    for (const entry of stdout.split('\0').filter(Boolean)) {
      const absolute = resolve(top.trim(), entry.slice(3));
      // orch's own state (sessions, cache) is not the task's doing.
      if (ignore.some((dir) => absolute === dir || absolute.startsWith(`${dir}/`))) continue;
      status.set(relative(base, absolute), entry.slice(0, 2));
    }
    return status;
  } catch {
    return undefined;
  }
}

async function restore(snapshot: RollbackSnapshot): Promise<{ restored: string[]; removed: string[] }> {
  const restored: string[] = [];
  const removed: string[] = [];
  const { base, backup, before } = snapshot;
  let now: Map<string, string>;
  if (snapshot.scope === 'outputs') {
    now = new Map((await glob(snapshot.patterns!, { cwd: base, dot: true, onlyFiles: true })).map((f) => [f, 'present']));
  } else {
    now = (await gitStatus(base, snapshot.ignore ?? [])) ?? new Map();
  }
  const candidates = new Set([...before.keys(), ...now.keys()]);
  for (const path of [...candidates].sort()) {
    if (snapshot.untouchable.has(path)) continue;
    const absolute = join(base, path);
    const existed = before.get(path);
    if (existed === true) {
      const saved = await readFile(join(backup, path));
      const current = await readFile(absolute).catch(() => undefined);
      if (current && current.equals(saved)) continue;
      await mkdir(dirname(absolute), { recursive: true });
      await copyFile(join(backup, path), absolute);
      restored.push(path);
    } else if (existed === false) {
      // Deleted before the task ran: keep it deleted.
      const present = await readFile(absolute).then(() => true, () => false);
      if (!present) continue;
      await rm(absolute, { force: true });
      removed.push(path);
    } else if (snapshot.scope === 'outputs' || now.get(path) === '??') {
      await rm(absolute, { force: true });
      removed.push(path);
    } else {
      // A tracked file that was clean: git has its content.
      await git('git', ['checkout', '--', path], { cwd: base });
      restored.push(path);
    }
  }
  await rm(backup, { recursive: true, force: true });
  return { restored, removed };
}
