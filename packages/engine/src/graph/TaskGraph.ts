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
}

/** Tasks and their dependencies; `order` lists every task after all of its dependencies. */
export interface TaskGraph {
  nodes: ReadonlyMap<string, TaskNode>;
  /** Topological order, dependencies first. Tasks in a cycle, and those that depend on one, are left out. */
  order: string[];
}
