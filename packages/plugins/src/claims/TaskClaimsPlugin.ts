import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { definePlugin, STAGE_ORDER, taskHashedEvent, type ClaimHolder, type Engine, type ExecutionResult, type TaskContext } from '@orch/engine';
import { isAncestor, processIdentity } from '../process/processIdentity.js';
import { endOrphanedProcesses } from '../session/endOrphanedProcesses.js';
import { SessionStore } from '../session/SessionStore.js';
import { TaskClaims, type ClaimAttempt } from './TaskClaims.js';

const PLUGIN_NAME = 'orch:task-claims';
/** The executor a task held by another process is routed to: it waits, then deploys the task again. */
const CLAIM_EXECUTOR = 'claim';
const POLL_MS = 100;

/** Why a wait for a claim ended without it. */
type WaitFailure = 'stopped' | 'recursive';

function waitFailure(reason: WaitFailure, id: string): ExecutionResult {
  switch (reason) {
    case 'stopped':
      return { exitCode: 130, durationMs: 0, message: 'stopped while waiting for another run of it' };
    case 'recursive':
      return {
        exitCode: 1,
        durationMs: 0,
        message: `${id} is being run by the orch process that started this one (a task that runs orch on itself): it would wait for itself; run what the task needs directly instead`,
      };
  }
}

/**
 * Two runs at once never run one task twice (issue 11, part 10): each task is claimed by one
 * orch process at a time (`TaskClaims`, in `<stateDir>/claims/`). Stage 6 (deploy):
 * - before the cache is looked at, a task another process holds is routed to the `claim`
 *   executor, so that what that process stores is what this one restores;
 * - after the caches missed (the task will run here), the task is claimed; if another process
 *   holds it, it is routed to the `claim` executor too.
 * The `claim` executor waits for the claim (`task-claim` event: `waiting for web#build, running
 * in session … (pid …)`), then asks `deploy` again from its first tap: the task is looked up in
 * the cache again, and restored on a hit, or run on a miss (the other run failed, or the task is
 * not cacheable). The wait counts toward the task's time limit, as its other stages do. A claim
 * whose holder died is taken over, after ending what that holder's session left running. A claim
 * is released when its task has ended and its local cache entry is committed; when a session is
 * resumed, the claims its dead earlier process left are cleared (a task resume counts as done is
 * never claimed again).
 */
export function taskClaimsPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      const stateDir = resolve(engine.config.root, engine.config.stateDir);
      let session: string | undefined;
      let claims: TaskClaims | undefined;
      const claimsFor = (): TaskClaims =>
        (claims ??= new TaskClaims(join(stateDir, 'claims'), { ...processIdentity(process.pid), host: hostname(), ...(session ? { session } : {}) }, (id) =>
          engine.emit({ type: 'warning', message: `${id}: this process's claim on it was removed by another process; both may run it`, source: PLUGIN_NAME }),
        ));
      const tasks = new Map<string, TaskContext>();
      const releases = new Set<Promise<void>>();

      // What dead holders of this session (a resumed one) left is cleared before any task looks.
      let sessionCleared: Promise<unknown> = Promise.resolve();

      engine.hooks.event.tap(PLUGIN_NAME, (event) => {
        if (event.type === 'session-started') {
          session = event.session.id;
          sessionCleared = claimsFor().clearSession(event.session.id).catch(() => undefined);
        }
        if (event.type !== 'task-finished' || !claims?.holds(event.outcome.id)) return;
        const task = tasks.get(event.outcome.id);
        tasks.delete(event.outcome.id);
        // A waiter looks the task up in the cache once it has the claim: the entry must be there.
        const release = Promise.resolve(task?.data.get('orch:cache-put'))
          .catch(() => undefined)
          .then(() => claims!.release(event.outcome.id));
        releases.add(release);
        void release.finally(() => releases.delete(release));
      });

      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 200 }, async (task) => {
        await sessionCleared;
        return claimsFor().heldElsewhere(task.id) ? { executor: CLAIM_EXECUTOR } : undefined;
      });

      engine.hooks.deploy.tapPromise({ name: PLUGIN_NAME, stage: STAGE_ORDER.early - 25 }, async (task) => {
        const attempt = await claimsFor().tryClaim(task.id);
        if (attempt.state === 'held') return { executor: CLAIM_EXECUTOR };
        await claimed(task, attempt);
        return undefined;
      });

      engine.hooks.execute.for(CLAIM_EXECUTOR).tapPromise(PLUGIN_NAME, async (task) => {
        const waited = await waitForClaim(task);
        return waited === 'claimed' ? deployAgain(engine, task) : waitFailure(waited, task.id);
      });

      engine.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
        await Promise.all([...releases, sessionCleared]);
        await claims?.releaseAll();
      });

      /**
       * Polls for the claim until this process has it; `stopped` when the task was stopped
       * meanwhile, `recursive` when the holder is the orch that (through a task) started this one.
       */
      async function waitForClaim(task: TaskContext): Promise<'claimed' | WaitFailure> {
        let announced = false;
        for (let polls = 0; ; polls++) {
          const attempt = await claimsFor().tryClaim(task.id);
          if (attempt.state !== 'held') {
            await claimed(task, attempt);
            return 'claimed';
          }
          // Waiting for an orch that waits for this one would never end.
          if (attempt.holder?.host === hostname() && isAncestor(attempt.holder.pid)) return 'recursive';
          // The holder names itself right after taking the lock; say who it is once known.
          if (!announced && (attempt.holder || polls >= 10)) {
            engine.emit({ type: 'task-claim', id: task.id, state: 'waiting', ...(attempt.holder ? { holder: attempt.holder } : {}) });
            announced = true;
          }
          if (!(await delay(POLL_MS, true, { signal: task.signal }).catch(() => false))) return 'stopped';
        }
      }

      /** This process has the claim now; after a dead holder, what its session left running is ended first. */
      async function claimed(task: TaskContext, attempt: Exclude<ClaimAttempt, { state: 'held' }>): Promise<void> {
        tasks.set(task.id, task);
        if (attempt.state !== 'taken-over') return;
        const holder: ClaimHolder | undefined = attempt.holder;
        const reports = holder?.session ? await endOrphanedProcesses(new SessionStore(stateDir), { ids: [holder.session] }) : [];
        const ended = reports.flatMap((report) => report.ended).reduce((sum, group) => sum + group.processes, 0);
        engine.emit({ type: 'task-claim', id: task.id, state: 'taken-over', ...(holder ? { holder } : {}), ended });
      }
    },
  });
}

/** After the wait: deploy decides again (the cache taps look the task up), then its executor runs. */
async function deployAgain(engine: Engine, task: TaskContext): Promise<ExecutionResult> {
  const deployed = await engine.hooks.deploy.promise(task);
  const hook = deployed && engine.hooks.execute.get(deployed.executor);
  if (!deployed || !hook || hook.taps.length === 0) return { exitCode: 1, durationMs: 0, kind: 'no-executor', message: `no executor can run ${task.id}` };
  task.executor = deployed.executor;
  const hashed = taskHashedEvent(task);
  if (hashed) engine.emit(hashed);
  const result = await hook.promise(task);
  return result ?? { exitCode: 1, durationMs: 0, kind: 'error', message: `the '${deployed.executor}' executor returned no result for ${task.id}` };
}
