import type { OrchEvent } from '@orch/engine';

/** A task's stage timings (ms by stage) and what its processes used. */
export interface Measures {
  stages: Record<string, number>;
  cpuMs?: number;
  peakRssBytes?: number;
  samples?: number;
}

/** What the events say about each task while it runs: its stages' timings and its processes' use. */
export class TaskMeasures {
  private readonly tasks = new Map<string, Measures>();

  add(event: OrchEvent): void {
    if (event.type === 'task-stage') {
      const stages = this.of(event.id).stages;
      stages[event.stage] = Math.round((stages[event.stage] ?? 0) + event.durationMs);
    } else if (event.type === 'task-resources') {
      const task = this.of(event.id);
      task.cpuMs = (task.cpuMs ?? 0) + event.cpuMs;
      task.peakRssBytes = Math.max(task.peakRssBytes ?? 0, event.peakRssBytes);
      task.samples = (task.samples ?? 0) + event.samples;
    }
  }

  /** A finished task's measures, forgotten here. */
  take(id: string): Measures {
    const task = this.of(id);
    this.tasks.delete(id);
    return task;
  }

  private of(id: string) {
    let task = this.tasks.get(id);
    if (!task) this.tasks.set(id, (task = { stages: {} }));
    return task;
  }
}
