import { foldRepeated, perInvocation, type Diagnostic, type Engine } from '@orch/engine';

/** The warnings said in this process, per repository root. */
const SAID = new Map<string, Set<string>>();
perInvocation(() => SAID.clear());

/**
 * The warnings about a task's declared outputs that storing it found (`output 'dist/**' matched
 * no file`, one outside the task's folder), held until the run's tasks are all done and then said
 * once each, folded across packages as config problems are (`foldRepeated`: `build: output
 * 'dist/**' matched no file (in 30 packages: ...)`), before the run's summary (findings 15 #8).
 * One already said in this process for the same repository (an earlier `orch watch` cycle, each
 * of which opens the workspace, and so this plugin, anew) is not said again.
 */
export class OutputWarnings {
  readonly #held: Diagnostic[] = [];
  readonly #said: Set<string>;

  /** `root`: the repository's root, whose earlier warnings in this process are remembered. */
  constructor(root: string) {
    this.#said = SAID.get(root) ?? new Set();
    SAID.set(root, this.#said);
  }

  /** Holds `<taskId>: <problem>` for the next `flush`. */
  add(taskId: string, problem: string): void {
    const message = `${taskId}: ${problem}`;
    if (this.#said.has(message)) return;
    this.#said.add(message);
    this.#held.push({ severity: 'warning', code: 'cache/output', message, owner: { kind: 'command', id: taskId } });
  }

  /** Emits what is held, folded, and forgets it. */
  flush(engine: Engine, source: string): void {
    for (const warning of foldRepeated(this.#held.splice(0))) engine.emit({ type: 'warning', message: warning.message, source });
  }
}
