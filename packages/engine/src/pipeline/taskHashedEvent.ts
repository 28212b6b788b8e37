import type { OrchEvent } from '../events.js';
import type { TaskContext } from './TaskContext.js';

/**
 * The `task-hashed` event of a deployed task, or undefined when no cache hashed it: its hash, and
 * whether the cache answers it (`cached`), known before any output so reporters can treat a hit's
 * replayed output as such (`--output-logs=new-only`).
 */
export function taskHashedEvent(task: TaskContext): Extract<OrchEvent, { type: 'task-hashed' }> | undefined {
  const hash = task.data.get('orch:hash') as string | undefined;
  if (!hash) return undefined;
  const cached = task.data.get('orch:cached') as 'local' | 'remote' | undefined;
  return { type: 'task-hashed', id: task.id, hash, ...(cached ? { cached } : {}) };
}
