import type { SourceLocation } from '../diagnostics/Diagnostic.js';
import type { CommandDefinition } from '../commands/CommandDefinition.js';

/** An edge of the task graph: `from` needs `to` done first. */
export interface TaskEdge {
  to: string;
  /** The dependency as written (`^build`, `quality/verify`). */
  spec: string;
  location?: SourceLocation;
}

export interface TaskNode {
  id: string;
  command: CommandDefinition;
  dependencies: TaskEdge[];
  /**
   * Workspace packages a `^target` dependency passed through because they lack the target
   * (Turborepo's transit nodes): their dependencies' targets are this task's dependencies, and
   * their files are part of its hash. Absent when there are none.
   */
  transit?: string[];
}

/** Tasks and their dependencies; `order` lists every task after all of its dependencies. */
export interface TaskGraph {
  nodes: ReadonlyMap<string, TaskNode>;
  /** Topological order, dependencies first. Tasks in a cycle, and those that depend on one, are left out. */
  order: string[];
}
