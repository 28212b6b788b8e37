import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineGate } from '@orch/engine';
import { TaskRecords } from '../state/TaskRecords.js';

/**
 * Post-execution: orch's state files still parse and agree with each other: the JSON files of
 * the state folder (a warning when one does not: orch rebuilds them), and the completion markers
 * of the task's dependencies name their task (a failure).
 */
export function stateConsistencyGate() {
  return defineGate({
    name: 'orch:state-consistency',
    stage: 'post',
    description: 'state files parse and agree',
    async check({ task, engine }) {
      const stateDir = resolve(task.root, task.stateDir);
      const problems: string[] = [];
      // orch's own records (durations.json) that do not parse are rebuilt by orch (the next run
      // removes them, `stateFolderProblems`): a warning, never the user's task failing for them
      // (findings R2 #13).
      const damaged: string[] = [];
      const files = await readdir(stateDir).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith('.json'))) {
        try {
          JSON.parse(await readFile(join(stateDir, file), 'utf8'));
        } catch (error) {
          damaged.push(`${file} does not parse: ${(error as Error).message}`);
        }
      }
      const records = TaskRecords.of(engine);
      for (const id of [...task.dependencies.keys(), ...task.outsideDependencies]) {
        const marker = await records.get('completed', id);
        if (marker && marker.id !== id) problems.push(`the completion marker of ${id} names ${marker.id}`);
      }
      if (problems.length > 0) return { status: 'fail', message: [...problems, ...damaged].join('; ') };
      if (damaged.length > 0) return { status: 'warn', message: `${damaged.join('; ')} (orch rebuilds it)` };
      return { status: 'pass', message: 'state consistent' };
    },
  });
}
