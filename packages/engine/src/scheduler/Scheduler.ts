/** What the scheduler needs to know about one task. */
export interface SchedulableTask {
  id: string;
  /** Ids of tasks in this run that must finish first. */
  dependencies: readonly string[];
  /** Concurrency slots taken while running. Default 1. */
  weight?: number;
  /** Named resources held while running (`{ db: 1 }`). */
  resources?: Readonly<Record<string, number>>;
  /** Expected duration in ms (from past runs), for priorities. Default 1. */
  expectedMs?: number;
}

/** When a task fails: stop starting tasks, skip only its dependents, or run everything anyway. */
export type ContinueMode = 'never' | 'dependencies-successful' | 'always';

export type TaskState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface SchedulerOptions {
  /** Concurrency slots. */
  concurrency: number;
  /** Capacity of each named resource. */
  resources?: Readonly<Record<string, number>>;
  continue?: ContinueMode;
}

/**
 * Decides which tasks may start. It runs nothing: the caller asks `takeReady()`, starts those
 * tasks, and reports each end with `finish()`. Among ready tasks the one with the longest
 * remaining path (its expected duration plus the longest chain of dependents after it) goes
 * first, so the critical path starts as early as possible.
 */
export class Scheduler {
  private readonly tasks = new Map<string, SchedulableTask>();
  private readonly state = new Map<string, TaskState>();
  private readonly dependents = new Map<string, string[]>();
  private readonly remainingDeps = new Map<string, number>();
  private readonly failedDeps = new Set<string>();
  private readonly priority = new Map<string, number>();
  private readonly ready: string[] = [];
  private readonly freeResources: Map<string, number>;
  private freeSlots: number;
  private stopped = false;
  private readonly continueMode: ContinueMode;
  /** How many tasks are in each state, kept as states change: `done` and `running` are asked after every task. */
  private readonly counts: Record<TaskState, number> = { waiting: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };

  constructor(tasks: readonly SchedulableTask[], options: SchedulerOptions) {
    this.freeSlots = options.concurrency;
    this.freeResources = new Map(Object.entries(options.resources ?? {}));
    this.continueMode = options.continue ?? 'never';
    for (const task of tasks) {
      this.tasks.set(task.id, task);
      this.setState(task.id, 'waiting');
      this.dependents.set(task.id, []);
    }
    for (const task of tasks) {
      const deps = task.dependencies.filter((d) => this.tasks.has(d));
      this.remainingDeps.set(task.id, deps.length);
      for (const dep of deps) this.dependents.get(dep)!.push(task.id);
    }
    this.computePriorities();
    for (const task of tasks) if (this.remainingDeps.get(task.id) === 0) this.ready.push(task.id);
    this.ready.sort(this.byPriority);
  }

  /** Highest priority first; ties by id, so the order never depends on when a task became ready. */
  private readonly byPriority = (a: string, b: string): number => this.priority.get(b)! - this.priority.get(a)! || (a < b ? -1 : a > b ? 1 : 0);

  /** Adds a task to the ready list at its place: the list stays sorted, so `takeReady` never sorts it again (issue 13: a 1,000-task run sorted it after every task). */
  private enqueue(id: string): void {
    let low = 0;
    let high = this.ready.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.byPriority(this.ready[middle]!, id) <= 0) low = middle + 1;
      else high = middle;
    }
    this.ready.splice(low, 0, id);
  }

  private setState(id: string, next: TaskState): void {
    const previous = this.state.get(id);
    if (previous !== undefined) this.counts[previous]--;
    this.counts[next]++;
    this.state.set(id, next);
  }

  /** Tasks to start now, highest priority first, within free slots and resources. */
  takeReady(): string[] {
    if (this.stopped) return [];
    const started: string[] = [];
    for (let i = 0; i < this.ready.length; ) {
      const id = this.ready[i]!;
      const task = this.tasks.get(id)!;
      const weight = task.weight ?? 1;
      const fits = weight <= this.freeSlots && Object.entries(task.resources ?? {}).every(([name, count]) => (this.freeResources.get(name) ?? 0) >= count);
      if (!fits) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.freeSlots -= weight;
      for (const [name, count] of Object.entries(task.resources ?? {})) this.freeResources.set(name, this.freeResources.get(name)! - count);
      this.setState(id, 'running');
      started.push(id);
    }
    return started;
  }

  /** Records how a running task ended; returns the tasks skipped because of it. */
  finish(id: string, outcome: 'succeeded' | 'failed'): string[] {
    const task = this.tasks.get(id)!;
    if (this.state.get(id) !== 'running') throw new Error(`scheduler: ${id} is not running`);
    this.setState(id, outcome);
    this.freeSlots += task.weight ?? 1;
    for (const [name, count] of Object.entries(task.resources ?? {})) this.freeResources.set(name, this.freeResources.get(name)! + count);

    const skipped: string[] = [];
    if (outcome === 'failed') {
      if (this.continueMode === 'never') {
        this.stopped = true;
        for (const waiting of [...this.state].filter(([, s]) => s === 'waiting').map(([t]) => t)) {
          this.setState(waiting, 'skipped');
          skipped.push(waiting);
        }
        this.ready.length = 0;
        return skipped;
      }
      if (this.continueMode === 'dependencies-successful') {
        const stack = [...this.dependents.get(id)!];
        while (stack.length > 0) {
          const next = stack.pop()!;
          if (this.state.get(next) !== 'waiting') continue;
          this.setState(next, 'skipped');
          skipped.push(next);
          const index = this.ready.indexOf(next);
          if (index >= 0) this.ready.splice(index, 1);
          stack.push(...this.dependents.get(next)!);
        }
        return skipped;
      }
      this.failedDeps.add(id);
    }
    for (const dependent of this.dependents.get(id)!) {
      const left = this.remainingDeps.get(dependent)! - 1;
      this.remainingDeps.set(dependent, left);
      if (left === 0 && this.state.get(dependent) === 'waiting') this.enqueue(dependent);
    }
    return skipped;
  }

  /** Stops starting tasks (Ctrl-C); waiting tasks are reported skipped. */
  stop(): string[] {
    this.stopped = true;
    this.ready.length = 0;
    const skipped = [...this.state].filter(([, s]) => s === 'waiting').map(([id]) => id);
    for (const id of skipped) this.setState(id, 'skipped');
    return skipped;
  }

  /** True when nothing runs and nothing more can start. */
  get done(): boolean {
    return this.counts.running === 0 && (this.stopped || this.counts.waiting === 0);
  }

  get running(): number {
    return this.counts.running;
  }

  stateOf(id: string): TaskState | undefined {
    return this.state.get(id);
  }

  /** Priority: expected duration plus the longest chain of dependents after it (iterative). */
  private computePriorities(): void {
    const pending = new Map<string, number>();
    for (const id of this.tasks.keys()) pending.set(id, this.dependents.get(id)!.length);
    const queue = [...this.tasks.keys()].filter((id) => pending.get(id) === 0);
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head]!;
      let longest = 0;
      for (const dependent of this.dependents.get(id)!) longest = Math.max(longest, this.priority.get(dependent) ?? 0);
      this.priority.set(id, (this.tasks.get(id)!.expectedMs ?? 1) + longest);
      for (const dep of this.tasks.get(id)!.dependencies) {
        if (!pending.has(dep)) continue;
        const left = pending.get(dep)! - 1;
        pending.set(dep, left);
        if (left === 0) queue.push(dep);
      }
    }
    // Tasks on a cycle (the graph builder rejects those) get the lowest priority.
    for (const id of this.tasks.keys()) if (!this.priority.has(id)) this.priority.set(id, 0);
  }
}
